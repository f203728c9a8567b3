import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { launchChromium } from '../browser/chromium';
import { corpusFile, E2E_TMP, REPO_ROOT, SHARED_MODELS_DIR } from '../support/paths';
import { RunningService, startService } from '../support/service';

const COCO128_PHOTOS = resolve(REPO_ROOT, '../shared/datasets/coco128/images');
const BUS = corpusFile('photos/bus.jpg');

/** The smallest settings that still measure something: 2 calibration photos, 2 more to check the agreement on. */
const INT8_AUTO = {
  MODELS_INT8: 'auto',
  MODELS_INT8_PHOTOS_DIR: COCO128_PHOTOS,
  MODELS_INT8_PHOTOS: '2',
  MODELS_INT8_CHECK_PHOTOS: '2',
  LOG_LEVEL: 'info',
};

function modelsFolderWithYolov5n(name: string): string {
  const dir = join(E2E_TMP, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(SHARED_MODELS_DIR, 'yolov5n.onnx'), join(dir, 'yolov5n.onnx'));
  return dir;
}

async function waitForLoaded(service: RunningService, name: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { status, body } = await request(service.url).get(`/models/${name}`);
    if (status === 200 && body.status === 'loaded') return body;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} was not served within ${timeoutMs} ms:\n${service.output()}`);
}

// This machine has VNNI (the twins are only made on such CPUs); the no-VNNI path is a unit test of Int8TwinsService.
describe('MODELS_INT8=auto: the INT8 twin made at start, in the background, and served', () => {
  const dir = modelsFolderWithYolov5n('models-int8-auto');
  let service: RunningService;
  let twin: Record<string, any>;
  let answeredWhileMaking: number;

  beforeAll(async () => {
    service = await startService({ env: { MODELS_DIR: dir, ...INT8_AUTO }, timeoutMs: 60_000 });
    // At readiness the twin is still being made (seconds of calibration): the float model answers meanwhile.
    answeredWhileMaking = (await request(service.url).post('/predict').send({ model: 'yolov5n', image: readFileSync(BUS).toString('base64') })).status;
    twin = await waitForLoaded(service, 'yolov5n-int8', 180_000);
  }, 260_000);
  afterAll(async () => {
    if (service) expect(await service.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the float model while the twin is made, logs the progress, and writes the twin beside it', () => {
    expect(answeredWhileMaking).toBe(200);
    const log = service.output();
    const lines = ['making the INT8 twins of yolov5n in the background', 'making yolov5n-int8.onnx from yolov5n, calibrating on 2 photos', 'calibrated 2/2 photos', 'measuring its agreement with yolov5n on 2 photos', 'INT8 twin yolov5n-int8.onnx written', 'INT8 twins done'];
    const positions = lines.map((line) => log.indexOf(line));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const answered = log.indexOf('POST /predict 200');
    expect(answered).toBeGreaterThan(-1);
    expect(answered).toBeLessThan(log.indexOf('INT8 twin yolov5n-int8.onnx written'));
    expect(readdirSync(dir).sort()).toEqual(['yolov5n-int8.onnx', 'yolov5n.onnx']);
  });

  it('GET /models/yolov5n-int8 shows its record: the settings and its agreement with yolov5n measured when made', () => {
    expect(twin.quantization).toMatchObject({
      format: 'QDQ',
      source: 'yolov5n.onnx',
      calibration: { method: 'percentile', percentile: 99.999, images: 2 },
      agreement: { photos: 2, held_out: true, confidence_threshold: 0.25, iou_threshold: 0.5 },
    });
    const { agreement } = twin.quantization;
    expect(agreement.boxes_float).toBeGreaterThan(0);
    expect(agreement.matched).toBeLessThanOrEqual(Math.min(agreement.boxes_float, agreement.boxes_int8));
    expect(agreement.f1).toBeCloseTo((2 * agreement.matched) / (agreement.boxes_float + agreement.boxes_int8), 3);
    expect(twin.int8_cpu.vnni).toBe(true);
    expect(service.output()).toContain(`agreement with yolov5n: F1 ${agreement.f1.toFixed(3)}`);
  });

  it('serves it: /predict and /predict/compare with its float model', async () => {
    const photo = readFileSync(BUS);
    const { body } = await request(service.url).post('/predict/compare').field('models', 'yolov5n,yolov5n-int8').attach('image', photo, 'bus.jpg').expect(200);
    expect(body.results.map((result: { model: string }) => result.model)).toEqual(['yolov5n', 'yolov5n-int8']);
    expect(body.results[1].detections.length).toBeGreaterThan(0);
    expect(body.agreement.pairs[0]).toMatchObject({ model_a: 'yolov5n', model_b: 'yolov5n-int8' });
    expect(body.agreement.pairs[0].matched).toBeGreaterThan(0);
  });

  it('the page pairs the model with its twin in one click and shows the twin its record', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${service.url}/ui`);
      const pair = page.getByLabel('yolov5n: FP32 vs INT8');
      await pair.waitFor();
      await page.getByLabel('Choose a photo').setInputFiles(BUS);
      await pair.check();
      await page.getByRole('button', { name: 'Detect objects' }).click();
      await page.locator('[data-model="yolov5n-int8"] canvas[data-box-count]').waitFor();
      expect(await page.locator('[data-model]').evaluateAll((cards) => cards.map((card) => (card as HTMLElement).dataset.model))).toEqual(['yolov5n', 'yolov5n-int8']);
      expect(await page.locator('#agreement').isHidden()).toBe(false);
      const record = await page.locator('[data-model="yolov5n-int8"] .quantization-record').textContent();
      expect(record).toContain('INT8 twin of yolov5n.onnx, calibrated on 2 photos');
      expect(record).toContain(`F1 ${twin.quantization.agreement.f1.toFixed(3)}`);
      expect(await page.locator('[data-model="yolov5n"] .quantization-record').isHidden()).toBe(true);
    } finally {
      await browser.close();
    }
  });
});

describe('MODELS_INT8 off (the default): no twin is made', () => {
  const dir = modelsFolderWithYolov5n('models-int8-off');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the float model alone and writes nothing into the folder', async () => {
    const { MODELS_INT8: _auto, ...settingsWithoutTheSwitch } = INT8_AUTO;
    const service = await startService({ env: { MODELS_DIR: dir, ...settingsWithoutTheSwitch, MODELS_POLL_MS: '200' }, timeoutMs: 60_000 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect((await request(service.url).get('/models').expect(200)).body).toEqual(['yolov5n', 'yolov5s', 'yolov5m', 'yolov5l']);
      expect(readdirSync(dir)).toEqual(['yolov5n.onnx']);
      expect(service.output()).not.toContain('INT8 twin');
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });
});

describe('MODELS_INT8=auto, shut down while a twin is being made', () => {
  const dir = modelsFolderWithYolov5n('models-int8-stop');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops the twin at its next photo, exits 0 and leaves no file behind', async () => {
    const service = await startService({ env: { MODELS_DIR: dir, ...INT8_AUTO, MODELS_INT8_PHOTOS: '32' }, timeoutMs: 60_000 });
    const deadline = Date.now() + 60_000;
    while (!service.output().includes('making yolov5n-int8.onnx from yolov5n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // into the calibration (32 photos take tens of seconds)
    expect(await service.stop()).toBe(0);
    expect(service.output()).not.toContain('INT8 twin yolov5n-int8.onnx written');
    expect(readdirSync(dir)).toEqual(['yolov5n.onnx']);
  });
});
