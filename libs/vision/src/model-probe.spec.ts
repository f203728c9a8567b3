import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONTRACT_BREAKS, makeContractBreakingModel, makeFixedOutputModel } from '@app/onnx-writer';
import { probeModelFile } from './model-probe';

const dir = mkdtempSync(join(tmpdir(), 'model-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, bytes: Uint8Array) => {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
};
const SHARED_MODELS = resolve(__dirname, '../../../../shared/models');

describe('probeModelFile', () => {
  it('reads a static fixture: contract, shapes and names, without ONNX Runtime', async () => {
    const probe = await probeModelFile(write('static.onnx', makeFixedOutputModel({ rows: [], names: ['cat', 'dog'] })));
    expect(probe.contract).toMatchObject({ inputHeight: 640, inputWidth: 640, numClasses: 2 });
    expect(probe.inputShape).toEqual([1, 3, 640, 640]);
    expect(probe.outputShape).toEqual([1, 25200, 7]);
    expect(probe.metadata.names).toEqual(['cat', 'dog']);
  });

  it('reads a dynamic fixture: symbolic axes stay names', async () => {
    const probe = await probeModelFile(write('dynamic.onnx', makeFixedOutputModel({ rows: [], input: 'dynamic' })));
    expect(probe.contract).toMatchObject({ inputHeight: null, inputWidth: null });
    expect(probe.inputShape).toEqual([1, 3, 'height', 'width']);
  });

  it.each(['yolov5n.onnx', 'yolov5n-dynamic.onnx', 'custom/waste-yolov5n.onnx', 'custom/duckietown-yolov5n.onnx'])('accepts the real export %s', async (name) => {
    const probe = await probeModelFile(join(SHARED_MODELS, name));
    expect(probe.contract.inputName).toBe('images');
    expect(probe.outputShape.at(-1)).toEqual(name.includes('dynamic') ? expect.any(String) : 5 + probe.metadata.names.length);
  });

  it.each(CONTRACT_BREAKS)('finds the fault ONNX Runtime\'s metadata would show in a "%s" model', async (kind) => {
    await expect(probeModelFile(write(`${kind}.onnx`, makeContractBreakingModel(kind)))).rejects.toThrow(new RegExp(`${kind}\\.onnx does not have the YOLOv5 export contract`));
  });

  it('says so when a custom model lacks its `names` metadata (as loading it would)', async () => {
    const file = write('unnamed.onnx', makeFixedOutputModel({ rows: [], names: ['a', 'b', 'c', 'd'], metadata: { names: null } }));
    await expect(probeModelFile(file)).rejects.toThrow(/unnamed\.onnx .*9 columns per row \(4 classes\) but the file has no `names` metadata/);
  });

  it('rejects text and truncated files', async () => {
    await expect(probeModelFile(write('text.onnx', Buffer.from('not a model at all, only words')))).rejects.toThrow(/text\.onnx/);
    // Text whose bytes happen to read as a metadata entry with an impossible field inside.
    await expect(probeModelFile(write('words.onnx', Buffer.from(`r ${'w'.repeat(40)}`)))).rejects.toThrow(/words\.onnx: truncated or not an ONNX model \(invalid wire type 7/);
    const bytes = makeFixedOutputModel({ rows: [] });
    await expect(probeModelFile(write('half.onnx', bytes.subarray(0, bytes.length / 2)))).rejects.toThrow(/truncated/);
  });
});
