import { rmSync, symlinkSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { Detection, detectionIou } from '@app/vision';
import { runCli } from '../../../cli/src/testing/run-cli';
import { launchChromium } from '../browser/chromium';
import { corpusFile, E2E_TMP, SHARED_MODELS_DIR } from '../support/paths';
import { RunningService, startService } from '../support/service';

const busJpeg = readFileSync(corpusFile('photos/bus.jpg'));

/**
 * The real yolov5n beside its INT8 twin, made by `npm run models:quantize` (4 calibration photos, to be quick) in a
 * models folder where the float file is a symlink into ../shared: both are served, by the one catalog, side by side.
 */
describe('an INT8 twin made by models:quantize, served beside its float model', () => {
  const dir = join(E2E_TMP, 'models-int8');
  let service: RunningService;

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    symlinkSync(join(SHARED_MODELS_DIR, 'yolov5n.onnx'), join(dir, 'yolov5n.onnx'));
    const quantize = await runCli('models-quantize', ['--model', 'yolov5n', '--count', '4', '--check', '2'], { MODELS_DIR: dir });
    if (quantize.code !== 0) throw new Error(`models:quantize failed (${quantize.code}):\n${quantize.stderr}`);
    service = await startService({ env: { MODELS_DIR: dir }, timeoutMs: 90_000 });
  }, 240_000);
  afterAll(async () => {
    if (service) expect(await service.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /models lists both; /models/yolov5n-int8 shows its quantization and the CPU features, the float model none', async () => {
    // Beside the official defaults the folder lacks (listed as missing, as in any folder).
    expect((await request(service.url).get('/models').expect(200)).body).toEqual(['yolov5n', 'yolov5s', 'yolov5m', 'yolov5l', 'yolov5n-int8']);
    const int8 = (await request(service.url).get('/models/yolov5n-int8').expect(200)).body;
    expect(int8).toMatchObject({
      status: 'loaded',
      file: 'yolov5n-int8.onnx',
      classes: expect.arrayContaining(['person', 'bus']),
      input_shape: [1, 3, 640, 640],
      // Its file is static, as its float model's: rewritten at load like it.
      shape_policy: 'rectangular',
      shape_policy_reason: 'static-export-rewritten',
      quantization: {
        format: 'QDQ',
        weights: 'int8 symmetric per output channel',
        activations: 'uint8 asymmetric per tensor',
        source: 'yolov5n.onnx',
        calibration: { method: 'percentile', percentile: 99.999, images: 4 },
        quantized_nodes: expect.any(Number),
        float_convs: expect.arrayContaining([expect.stringContaining('reads the graph input')]),
      },
      int8_cpu: { vnni: expect.any(Boolean), flags: expect.any(Array), summary: expect.any(String) },
    });
    // The notice follows this machine's CPU: none with VNNI, "may be slower than its float twin" without.
    expect(int8.notice).toEqual(int8.int8_cpu.vnni ? null : expect.stringContaining('may be slower than its float twin yolov5n'));
    const float = (await request(service.url).get('/models/yolov5n').expect(200)).body;
    expect(float).toMatchObject({ status: 'loaded', quantization: null, int8_cpu: null, notice: null });
  });

  // Both run at AutoShape's 480x640 rectangle, where the bus is at 0.49 (as in the old app): hence 0.45.
  it('POST /predict with yolov5n-int8 finds what FP32 finds in bus.jpg (boxes IoU > 0.7 at confidence ≥ 0.45) and nothing else there', async () => {
    const predict = async (model: string): Promise<Detection[]> => {
      const { body } = await request(service.url).post('/predict').send({ model, image: busJpeg.toString('base64') }).expect(200);
      expect(body.model).toBe(model);
      return body.detections;
    };
    const fp32 = (await predict('yolov5n')).filter((box) => box.confidence >= 0.45);
    const int8 = await predict('yolov5n-int8');
    expect(new Set(fp32.map((box) => box.class_name))).toEqual(new Set(['person', 'bus']));
    for (const box of fp32) expect(int8.some((candidate) => candidate.class_name === box.class_name && detectionIou(candidate, box) > 0.7)).toBe(true);
    // Nothing else among INT8's confident boxes (its bus, calibrated on 4 photos, is found but less sure).
    const confidentInt8 = int8.filter((box) => box.confidence >= 0.45);
    expect(confidentInt8.map((box) => box.class_name)).toContain('person');
    for (const box of confidentInt8) expect(['person', 'bus']).toContain(box.class_name);
  });

  it('POST /predict/compare runs both and answers with their agreement', async () => {
    const { body } = await request(service.url).post('/predict/compare').field('models', 'yolov5n,yolov5n-int8').attach('image', busJpeg, 'bus.jpg').expect(200);
    expect(body.results.map((result: { model: string }) => result.model)).toEqual(['yolov5n', 'yolov5n-int8']);
    expect(body.skipped).toEqual([]);
    const [pair] = body.agreement.pairs;
    expect(body.agreement.pairs).toHaveLength(1);
    expect(pair).toMatchObject({ model_a: 'yolov5n', model_b: 'yolov5n-int8' });
    expect(pair.matched).toBeGreaterThanOrEqual(4);
    expect(pair.matched_share_of_a).toBeGreaterThan(0.7);
    expect(pair.mean_iou).toBeGreaterThan(0.8);
  });

  it("the page lists it from the catalog like any model, marked INT8", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${service.url}/ui`);
      const option = page.locator('#model-options label', { has: page.locator('input[value="yolov5n-int8"]') });
      await option.waitFor();
      expect(await option.locator('.model-state').textContent()).toBe('INT8');
      expect(await option.locator('input').isDisabled()).toBe(false);
      expect(await page.locator('#model-options input[value="yolov5n"]').isDisabled()).toBe(false);
    } finally {
      await browser.close();
    }
  });
});

/**
 * A float YOLOv8n as `npm run models:generate` writes it (random weights, dynamic export) and its INT8 twin from
 * `npm run models:quantize` (2 calibration photos), served side by side: the twin keeps the YOLOv8 layout.
 */
describe('an INT8 twin of a generated YOLOv8n, served beside its float model', () => {
  const dir = join(E2E_TMP, 'models-int8-yolov8');
  let service: RunningService;

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const [tool, args] of [
      ['models-generate', ['--models', 'yolov8n', '--dynamic', '--out', dir]],
      ['models-quantize', ['--model', 'yolov8n', '--count', '2']],
    ] as const) {
      const run = await runCli(tool, [...args], { MODELS_DIR: dir });
      if (run.code !== 0) throw new Error(`${tool} failed (${run.code}):\n${run.stderr}`);
    }
    service = await startService({ env: { MODELS_DIR: dir }, timeoutMs: 90_000 });
  }, 240_000);
  afterAll(async () => {
    if (service) expect(await service.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('/models/yolov8n-int8 has the YOLOv8 layout and its quantization; /predict and /predict/compare answer for both', async () => {
    const int8 = (await request(service.url).get('/models/yolov8n-int8').expect(200)).body;
    expect(int8).toMatchObject({
      status: 'loaded',
      head_layout: 'yolov8',
      output_shape: ['batch', 84, 'anchors'],
      random_weights: true,
      quantization: { format: 'QDQ', source: 'yolov8n.onnx', calibration: { images: 2 }, float_convs: expect.arrayContaining([expect.stringContaining('detect head')]) },
    });
    const { body: answer } = await request(service.url).post('/predict').send({ model: 'yolov8n-int8', image: busJpeg.toString('base64') }).expect(200);
    expect(answer).toMatchObject({ model: 'yolov8n-int8', input: { height: 640, width: 480 }, detections: [] });
    const { body } = await request(service.url).post('/predict/compare').field('models', 'yolov8n,yolov8n-int8').attach('image', busJpeg, 'bus.jpg').expect(200);
    expect(body.results.map((result: { model: string }) => result.model)).toEqual(['yolov8n', 'yolov8n-int8']);
    expect(body.skipped).toEqual([]);
    expect(body.agreement.pairs).toMatchObject([{ model_a: 'yolov8n', model_b: 'yolov8n-int8', boxes_a: 0, boxes_b: 0 }]);
  });
});
