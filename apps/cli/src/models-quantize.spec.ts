import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { QUANTIZATION_METADATA_KEY } from '@app/quantize';
import { DEFAULT_DETECT_OPTIONS, Detection, detectionIou, readOnnxMetadata } from '@app/vision';
import { loadYoloModel, YoloDetector } from '@app/vision/runtime';
import { int8FileFor } from '@app/quantize';
import { resolveModelFile } from './models-quantize';
import { photoTensor } from '@app/quantize/runtime';
import { runCli } from './testing/run-cli';

const REPO_ROOT = resolve(__dirname, '../../..');
const REAL_MODEL = resolve(REPO_ROOT, '../shared/models/yolov5n.onnx');
const COCO128 = resolve(REPO_ROOT, '../shared/datasets/coco128/images');
const PHOTO = join(COCO128, '000000000009.jpg');

const runQuantize = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli('models-quantize', args, env);

async function detect(file: string): Promise<Detection[]> {
  const model = await loadYoloModel(file, { intraOpNumThreads: 1 });
  try {
    return (await new YoloDetector(model).detect(readFileSync(PHOTO), DEFAULT_DETECT_OPTIONS)).detections;
  } finally {
    await model.session.release();
  }
}

describe('npm run models:quantize', () => {
  jest.setTimeout(240_000);
  let modelsDir: string;

  beforeAll(() => {
    modelsDir = mkdtempSync(join(tmpdir(), 'models-quantize-spec-'));
    copyFileSync(REAL_MODEL, join(modelsDir, 'coco.onnx'));
  });
  afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

  it('writes <name>-int8.onnx beside a served model, with its contract, its metadata and the settings, detecting what FP32 detects', async () => {
    const run = await runQuantize(['--model', 'coco', '--count', '3', '--check', '2'], { MODELS_DIR: modelsDir });
    expect(run.stderr).toMatch(/calibrating 3\/3/);
    expect(run.stderr).toMatch(/agreement with the float model on 2 photos/);
    expect(run.code).toBe(0);
    const int8 = join(modelsDir, 'coco-int8.onnx');
    expect(run.stdout).toContain(int8);

    const [floatMetadata, int8Metadata] = [await readOnnxMetadata(REAL_MODEL), await readOnnxMetadata(int8)];
    expect(int8Metadata.names).toBe(floatMetadata.names);
    expect(int8Metadata.stride).toBe(floatMetadata.stride);
    const record = JSON.parse(int8Metadata[QUANTIZATION_METADATA_KEY]);
    expect(record).toMatchObject({ format: 'QDQ', source: 'coco.onnx', calibration: { percentile: 99.999, images: 3 } });
    // Measured on the 4th and 5th coco128 photos at the default request settings: the real yolov5n finds boxes there.
    expect(record.agreement).toMatchObject({ photos: 2, heldOut: true, confidenceThreshold: 0.25, iouThreshold: 0.5 });
    expect(record.agreement.boxesFloat).toBeGreaterThan(0);
    expect(record.agreement.f1).toBeGreaterThan(0.6);
    expect(run.stdout).toContain(`agreement with coco.onnx: F1 ${record.agreement.f1.toFixed(3)}`);
    expect(readdirSync(modelsDir).sort()).toEqual(['coco-int8.onnx', 'coco.onnx']); // the unchecked file is gone

    const expected = (await detect(REAL_MODEL)).filter((detection) => detection.confidence >= 0.5);
    const actual = await detect(int8);
    expect(expected.length).toBeGreaterThan(0);
    for (const box of expected) {
      expect(actual.some((candidate) => candidate.class_name === box.class_name && detectionIou(candidate, box) > 0.7)).toBe(true);
    }
  });

  it('refuses a model that is already quantized, and a missing --model, with usage errors', async () => {
    const again = await runQuantize(['--model', join(modelsDir, 'coco-int8.onnx')], {});
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already quantized/);
    const missing = await runQuantize([], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--model is required/);
    // A name the folder lacks (the usual yolov5s, offline): the answer lists the names it holds.
    const absent = await runQuantize(['--model', 'yolov5s'], { MODELS_DIR: modelsDir });
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain(`no model file ${join(modelsDir, 'yolov5s.onnx')}: the models folder holds coco, coco-int8; name one of them, or give the path of a .onnx file`);
    expect(existsSync(join(modelsDir, 'coco-int8-int8.onnx'))).toBe(false);
  });
});

/**
 * A float YOLOv8n as `npm run models:generate` writes it (random weights; the dynamic export, so calibration and
 * comparison run at AutoShape's rectangles, no larger than 640x640), through the CLI, then opened with the service's
 * own loader and detector. Random weights score every class below the confidence threshold, so agreement is measured
 * on the raw output0 [1, 84, anchors], as in libs/quantize's YOLOv8 spec.
 */
describe('npm run models:quantize on a generated float YOLOv8n', () => {
  jest.setTimeout(240_000);
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'models-quantize-yolov8-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an INT8 twin that the service loads as YOLOv8 and that answers, with its quantization record, agreeing with the float model', async () => {
    const generate = await runCli('models-generate', ['--models', 'yolov8n', '--dynamic', '--out', dir]);
    expect(generate.code).toBe(0);
    const run = await runQuantize(['--model', 'yolov8n', '--count', '2'], { MODELS_DIR: dir });
    expect(run.stderr).toMatch(/yolov8n\.onnx: \d+ nodes to INT8, 8 Convs kept float/);
    expect(run.code).toBe(0);
    const [floatFile, int8File] = [join(dir, 'yolov8n.onnx'), join(dir, 'yolov8n-int8.onnx')];

    // The Ultralytics metadata the layout is recognised by, and the record of how it was quantized.
    const [floatMetadata, int8Metadata] = [await readOnnxMetadata(floatFile), await readOnnxMetadata(int8File)];
    for (const key of ['task', 'names', 'stride', 'imgsz']) expect(int8Metadata[key]).toBe(floatMetadata[key]);
    const record = JSON.parse(int8Metadata[QUANTIZATION_METADATA_KEY]);
    expect(record).toMatchObject({ format: 'QDQ', source: 'yolov8n.onnx', calibration: { percentile: 99.999, images: 2 } });
    // The first Conv, the three box and three class convs of the Detect head, and the DFL's Conv.
    expect(record.floatConvs).toHaveLength(8);

    const [float, int8] = [await loadYoloModel(floatFile, { intraOpNumThreads: 1 }), await loadYoloModel(int8File, { intraOpNumThreads: 1 })];
    try {
      expect([float.contract.headLayout, int8.contract.headLayout]).toEqual(['yolov8', 'yolov8']);
      const answer = await new YoloDetector(int8).detect(readFileSync(PHOTO), DEFAULT_DETECT_OPTIONS);
      expect(answer.input).toEqual({ height: 480, width: 640 });
      expect(answer.detections).toEqual([]);

      // Photos past the two calibration ones.
      for (const name of ['000000000049.jpg', '000000000061.jpg']) {
        const input = await photoTensor(readFileSync(join(COCO128, name)), float.contract, 32);
        const [expected, actual] = await Promise.all(
          [float, int8].map(async (model) => (await model.session.run({ [model.contract.inputName]: input }))[model.contract.outputName]),
        );
        const anchors = expected.dims[2];
        const [e, a] = [expected.data as Float32Array, actual.data as Float32Array];
        expect(a).not.toEqual(e); // the INT8 kernels really ran
        const logit = (p: number) => Math.log(p / (1 - p));
        let boxError = 0;
        for (let i = 0; i < 4 * anchors; i++) boxError += Math.abs(a[i] - e[i]);
        let logitError = 0;
        for (let i = 4 * anchors; i < e.length; i++) logitError += Math.abs(logit(a[i]) - logit(e[i]));
        expect(boxError / (4 * anchors)).toBeLessThan(1);
        expect(logitError / (e.length - 4 * anchors)).toBeLessThan(0.05);
      }
    } finally {
      await Promise.all([float.session.release(), int8.session.release()]);
    }
  });
});

describe('model file names', () => {
  it('takes a name from the models folder and a path as it is', () => {
    expect(resolveModelFile('yolov5s', '/models')).toBe('/models/yolov5s.onnx');
    expect(resolveModelFile('./x/custom.onnx', '/models')).toBe(resolve('x/custom.onnx'));
    expect(int8FileFor('/models/yolov5s.onnx')).toBe('/models/yolov5s-int8.onnx');
  });
});
