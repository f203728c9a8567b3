import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writer } from 'protobufjs/minimal';
import { CONTRACT_BREAKS, decodeOnnxModel, makeContractBreakingModel, makeFixedOutputModel, OnnxDataType, OnnxFieldNumber, OnnxProto } from '@app/onnx-writer';
import { probeModelFile } from './model-probe';

const dir = mkdtempSync(join(tmpdir(), 'model-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, bytes: Uint8Array) => {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
};
const SHARED_MODELS = resolve(__dirname, '../../../../shared/models');

/**
 * yolov5n.onnx with one more constant of `weightBytes` float values, written as a sparse file (the values are a hole):
 * a model larger than one Buffer can hold, which costs no disk.
 */
function withHugeWeights(name: string, weightBytes: number): string {
  const model = decodeOnnxModel(readFileSync(join(SHARED_MODELS, 'yolov5n.onnx')));
  const field = (number: number, length: number) => Writer.create().uint32((number << 3) | 2).uint32(length).finish();
  const graph = OnnxProto.GraphProto.encode(OnnxProto.GraphProto.fromObject(model.graph)).finish();
  const rest = OnnxProto.ModelProto.encode(OnnxProto.ModelProto.fromObject({ ...model, graph: undefined })).finish();
  const tensorHead = Buffer.concat([
    OnnxProto.TensorProto.encode(OnnxProto.TensorProto.fromObject({ name: 'huge', dims: [weightBytes / 4], dataType: OnnxDataType.FLOAT })).finish(),
    field(OnnxFieldNumber.tensorRawData, weightBytes),
  ]);
  const initializer = Buffer.concat([field(OnnxFieldNumber.graphInitializer, tensorHead.length + weightBytes), tensorHead]);
  const head = Buffer.concat([rest, field(OnnxFieldNumber.modelGraph, graph.length + initializer.length + weightBytes), graph, initializer]);
  const file = join(dir, name);
  const fd = openSync(file, 'w');
  writeSync(fd, head);
  ftruncateSync(fd, head.length + weightBytes);
  closeSync(fd);
  return file;
}

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

  it('decides how a static export is shaped without reading its weights (a 3 GB file, more than one Buffer holds)', async () => {
    const probe = await probeModelFile(withHugeWeights('huge.onnx', 3 * 2 ** 30));
    expect(probe.shape).toEqual({ policy: 'rectangular', reason: 'static-export-rewritten' });
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
