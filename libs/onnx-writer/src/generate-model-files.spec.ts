import { readOnnxMetadata } from '@app/vision/onnx-metadata';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFixedOutputModel } from './fixture-models';
import { generateModelFiles } from './generate-model-files';
import { makeUltralyticsModel } from './yolov8-onnx';
import { makeYolov5Model } from './yolov5-onnx';

describe('generateModelFiles', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'generate-model-files-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('streams exactly the serialised model to <model>.onnx, leaving no temporary file', async () => {
    const reported: string[] = [];
    const [file] = await generateModelFiles({ outDir: join(dir, 'nested'), models: ['yolov5s'], seed: 3, onFile: (f) => reported.push(f.path) });
    expect(file).toMatchObject({ model: 'yolov5s', status: 'written', path: join(dir, 'nested', 'yolov5s.onnx') });
    expect(reported).toEqual([file.path]);
    const written = readFileSync(file.path);
    expect(written.length).toBe(file.bytes);
    expect(written.equals(makeYolov5Model({ model: 'yolov5s', seed: 3 }))).toBe(true);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['yolov5s.onnx']);
    expect(await readOnnxMetadata(file.path)).toMatchObject({ random_weights: 'true', stride: '32' });
  });

  it('replaces an earlier random-weight file but keeps other models unless forced', async () => {
    const path = join(dir, 'yolov5s.onnx');
    await generateModelFiles({ outDir: dir, models: ['yolov5s'], seed: 1 });
    const first = readFileSync(path);
    const [regenerated] = await generateModelFiles({ outDir: dir, models: ['yolov5s'], seed: 2 });
    expect(regenerated.status).toBe('written');
    expect(readFileSync(path).equals(first)).toBe(false);

    const realModel = makeFixedOutputModel({ rows: [] }); // stands in for official weights: no random_weights marker
    writeFileSync(path, realModel);
    const [kept] = await generateModelFiles({ outDir: dir, models: ['yolov5s'] });
    expect(kept.status).toBe('kept');
    expect(readFileSync(path).equals(realModel)).toBe(true);

    const [forced] = await generateModelFiles({ outDir: dir, models: ['yolov5s'], force: true });
    expect(forced.status).toBe('written');
    expect((await readOnnxMetadata(path)).random_weights).toBe('true');
  });

  it('writes YOLOv8 and YOLO11 files with their own generator, marked as random weights', async () => {
    const files = await generateModelFiles({ outDir: dir, models: ['yolov8n', 'yolo11n'], dynamic: true });
    expect(files.map(({ model, status }) => [model, status])).toEqual([['yolov8n', 'written'], ['yolo11n', 'written']]);
    expect(readFileSync(files[0].path).equals(makeUltralyticsModel({ model: 'yolov8n', dynamic: true }))).toBe(true);
    expect(await readOnnxMetadata(files[1].path)).toMatchObject({ random_weights: 'true', task: 'detect', end2end: 'False', architecture: 'yolo11' });
  });
});
