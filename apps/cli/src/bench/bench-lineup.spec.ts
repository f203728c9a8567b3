import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareBenchModels } from './bench-lineup';

describe('prepareBenchModels', () => {
  let scratch: string;
  let shared: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'bench-lineup-'));
    shared = mkdtempSync(join(tmpdir(), 'bench-shared-'));
  });
  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(shared, { recursive: true, force: true });
  });

  it('serves the trained yolov5n from a folder of its own under an official name, through a symlink to the dynamic export', async () => {
    writeFileSync(join(shared, 'yolov5n.onnx'), 'static');
    writeFileSync(join(shared, 'yolov5n-dynamic.onnx'), 'dynamic');
    const [model, ...rest] = await prepareBenchModels(['yolov5n'], scratch, shared, () => {});
    expect(rest).toEqual([]);
    expect(model).toMatchObject({ name: 'yolov5n', weights: 'trained', staticFile: join(shared, 'yolov5n.onnx'), dynamicFile: join(shared, 'yolov5n-dynamic.onnx'), servedAs: 'yolov5s' });
    expect(model.modelsDir.startsWith(scratch)).toBe(true);
    expect(readlinkSync(join(model.modelsDir, 'yolov5s.onnx'))).toBe(join(shared, 'yolov5n-dynamic.onnx'));
  });

  it('leaves a trained model out, saying which file is missing', async () => {
    writeFileSync(join(shared, 'yolov5n.onnx'), 'static');
    const skipped: string[] = [];
    expect(await prepareBenchModels(['yolov5n'], scratch, shared, (message) => skipped.push(message))).toEqual([]);
    expect(skipped).toEqual([expect.stringContaining(join(shared, 'yolov5n-dynamic.onnx'))]);
  });
});
