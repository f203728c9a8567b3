import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeModelFile, readOnnxMetadata } from '@app/vision';
import { dynamicTwinsFolder, expectServedShapePolicy, prepareBenchModels } from './bench-lineup';

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

  it('serves the trained yolov5n under its own name, through a symlink to the static export, from a folder apart from the random-weight models', async () => {
    writeFileSync(join(shared, 'yolov5n.onnx'), 'static');
    writeFileSync(join(shared, 'yolov5n-dynamic.onnx'), 'dynamic');
    const [trained, random, ...rest] = await prepareBenchModels(['yolov5n', 'yolov5s'], scratch, shared, () => {});
    expect(rest).toEqual([]);
    expect(trained).toMatchObject({ name: 'yolov5n', weights: 'trained', served: 'static', staticFile: join(shared, 'yolov5n.onnx'), dynamicFile: join(shared, 'yolov5n-dynamic.onnx') });
    expect(trained.modelsDir.startsWith(scratch)).toBe(true);
    expect(readdirSync(trained.modelsDir)).toEqual(['yolov5n.onnx']);
    expect(readlinkSync(join(trained.modelsDir, 'yolov5n.onnx'))).toBe(join(shared, 'yolov5n.onnx'));
    // The random-weight models' service holds none of it: its memory figure is that of s/m/l alone.
    expect(random).toMatchObject({ name: 'yolov5s', weights: 'random' });
    expect(random.modelsDir).not.toBe(trained.modelsDir);
    expect(readdirSync(random.modelsDir)).not.toContain('yolov5n.onnx');
  });

  it('serves a generated YOLOv5 under its own name from its static export, which the service rewrites at load to run at the rectangles', async () => {
    const [yolov5s] = await prepareBenchModels(['yolov5s'], scratch, shared, () => {});
    expect(yolov5s.served).toBe('static');
    expect(readdirSync(yolov5s.modelsDir)).toEqual(['yolov5s.onnx']);
    const probe = await probeModelFile(join(yolov5s.modelsDir, 'yolov5s.onnx'));
    expect(probe.inputShape).toEqual([1, 3, 640, 640]);
    expect(probe.shape).toEqual({ policy: 'rectangular', reason: 'static-export-rewritten' });
    expect(() => expectServedShapePolicy('yolov5s', yolov5s.served, probe.shape)).not.toThrow();
  });

  it('links the dynamic twin of each YOLOv5 model served static as <name>-dynamic, and none of a YOLOv8', async () => {
    const lineup = await prepareBenchModels(['yolov5s', 'yolov8n'], scratch, shared, () => {});
    const folder = dynamicTwinsFolder(scratch, lineup);
    expect(readdirSync(folder)).toEqual(['yolov5s-dynamic.onnx']);
    expect(readlinkSync(join(folder, 'yolov5s-dynamic.onnx'))).toBe(lineup[0].dynamicFile);
    expect((await probeModelFile(join(folder, 'yolov5s-dynamic.onnx'))).shape).toEqual({ policy: 'rectangular', reason: 'dynamic-export' });
  });

  it('refuses a served static export that was not rewritten, and a dynamic one that does not run at the rectangles', () => {
    expect(() => expectServedShapePolicy('yolov5s', 'static', { policy: 'fixed', reason: 'graph-not-recognised' })).toThrow(
      'yolov5s (static export) reports shape_policy fixed (graph-not-recognised), not rectangular (static-export-rewritten)',
    );
    expect(() => expectServedShapePolicy('yolov5s', 'static', { policy: null, reason: null })).toThrow(/shape_policy null/);
    expect(() => expectServedShapePolicy('yolov8n', 'dynamic', { policy: 'fixed', reason: 'pinned-by-config' })).toThrow(/not rectangular \(dynamic-export\)/);
    expect(() => expectServedShapePolicy('yolov8n', 'dynamic', { policy: 'rectangular', reason: 'dynamic-export' })).not.toThrow();
  });

  it('leaves a trained model out, saying which file is missing', async () => {
    writeFileSync(join(shared, 'yolov5n.onnx'), 'static');
    const skipped: string[] = [];
    expect(await prepareBenchModels(['yolov5n'], scratch, shared, (message) => skipped.push(message))).toEqual([]);
    expect(skipped).toEqual([expect.stringContaining(join(shared, 'yolov5n-dynamic.onnx'))]);
  });

  it('generates the random-weight YOLOv8 models into a folder of their own, served from their dynamic exports, so that each family has its own service', async () => {
    const [v5, v8] = await prepareBenchModels(['yolov5s', 'yolov8n'], scratch, shared, () => {});
    expect(v8).toMatchObject({ name: 'yolov8n', weights: 'random', served: 'dynamic' });
    expect(join(v8.modelsDir, 'yolov8n.onnx')).toBe(v8.dynamicFile);
    expect(join(v5.modelsDir, 'yolov5s.onnx')).toBe(v5.staticFile);
    expect(v8.modelsDir).not.toBe(v5.modelsDir);
    expect(readdirSync(v8.modelsDir)).toEqual(['yolov8n.onnx']);
    expect(readdirSync(v5.modelsDir)).toEqual(['yolov5s.onnx']);
    // Ultralytics' metadata, which the service reads the YOLOv8 layout from, in both exports.
    for (const file of [v8.staticFile, v8.dynamicFile]) expect(await readOnnxMetadata(file)).toMatchObject({ task: 'detect', random_weights: 'true' });
  });
});
