import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { makeContractBreakingModel } from '@app/onnx-writer';
import { DEFAULT_MODEL_NAMES } from '@app/model-store';
import { answeringFixtureMark, fixtureMarkIndex, writeFixtureModels } from './support/fixture-models';
import { corpusFile, DYNAMIC_MODELS_DIR, E2E_TMP, STATIC_MODELS_DIR } from './support/paths';
import { eventually } from './support/helpers';
import { freePort, RunningService, startService } from './support/service';

const busJpeg = readFileSync(corpusFile('photos/bus.jpg'));
const zidaneJpeg = readFileSync(corpusFile('photos/zidane.jpg'));

/**
 * Expected answers follow from the fixture table (support/fixture-models.ts) and the letterbox geometry alone.
 * bus.jpg 810x1080 in 640x640: gain 640/1080, 80 px padding left/right. zidane.jpg 1280x720: gain 0.5, 140 px on top.
 */
const BUS_STATIC = [
  { x_min: 236, y_min: 286, x_max: 573, y_max: 793, class_name: 'person', confidence: 0.855 },
  { x_min: 253, y_min: 320, x_max: 624, y_max: 793, class_name: 'bus', confidence: 0.64 },
  // the dog row lies in the left padding: clipped to a zero-width box at x = 0, as ultralytics' clip_boxes leaves it
  { x_min: 0, y_min: 641, x_max: 0, y_max: 708, class_name: 'dog', confidence: 0.63 },
];
const ZIDANE_STATIC = [
  { x_min: 440, y_min: 60, x_max: 840, y_max: 660, class_name: 'person', confidence: 0.855 },
  { x_min: 460, y_min: 100, x_max: 900, y_max: 660, class_name: 'bus', confidence: 0.64 },
  { x_min: 0, y_min: 480, x_max: 80, y_max: 560, class_name: 'dog', confidence: 0.63 },
];

describe('POST /predict with the static 640x640 fixture models', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(() => service.stop());

  it.each(DEFAULT_MODEL_NAMES)('answers the seed contract for %s (JSON base64)', async (model) => {
    const response = await request(service.url).post('/predict').send({ model, image: busJpeg.toString('base64') }).expect(200);
    expect(Object.keys(response.body).slice(0, 3)).toEqual(['detections', 'time', 'model']);
    expect(response.body.detections).toEqual(BUS_STATIC);
    expect(response.body.model).toBe(model);
    expect(response.body.image).toEqual({ width: 810, height: 1080 });
    expect(response.body.input).toEqual({ width: 640, height: 640 });
    expect(response.body.time).toBeCloseTo(response.body.timings.inference / 1000, 3);
    expect(response.headers['server-timing']).toMatch(/^decode;dur=[\d.]+, preprocess;dur=[\d.]+, inference;dur=[\d.]+, postprocess;dur=[\d.]+$/);
  });

  it('routes each name to its own model file: every fixture answers with its own mark', async () => {
    const marks = await Promise.all(DEFAULT_MODEL_NAMES.map((model) => answeringFixtureMark(service.url, model, busJpeg)));
    expect(marks).toEqual(DEFAULT_MODEL_NAMES.map(fixtureMarkIndex));
    expect(new Set(marks).size).toBe(DEFAULT_MODEL_NAMES.length);
  });

  it('gives the same answer for a multipart upload, landscape photo', async () => {
    const viaForm = await request(service.url).post('/predict').field('model', 'yolov5s').attach('image', zidaneJpeg, 'zidane.jpg').expect(200);
    const viaJson = await request(service.url).post('/predict').send({ model: 'yolov5s', image: zidaneJpeg.toString('base64') }).expect(200);
    expect(viaForm.body.detections).toEqual(ZIDANE_STATIC);
    expect(viaJson.body.detections).toEqual(ZIDANE_STATIC);
  });

  it('accepts a PNG with a data-URL prefix, and the optional fields (JSON and multipart)', async () => {
    const png = readFileSync(corpusFile('photos/groundingdino_cats.png'));
    const viaJson = await request(service.url)
      .post('/predict')
      .send({ model: 'yolov5m', image: `data:image/png;base64,${png.toString('base64')}`, confidence_threshold: 0.6, classes: ['person', 'dog'] })
      .expect(200);
    expect(viaJson.body.detections.map((d: { class_name: string }) => d.class_name)).toEqual(['person', 'dog']);
    const viaForm = await request(service.url)
      .post('/predict')
      .field('model', 'yolov5m')
      .field('iou_threshold', '0.95')
      .field('max_detections', '2')
      .field('classes', 'person, bus')
      .attach('image', png, 'cats.png')
      .expect(200);
    // IoU 0.95 keeps the second person (IoU 0.88 with the first); two boxes at most.
    expect(viaForm.body.detections.map((d: { class_name: string; confidence: number }) => `${d.class_name}:${d.confidence}`)).toEqual(['person:0.855', 'person:0.765']);
  });

  it('maps boxes of EXIF-rotated photos into the upright image', async () => {
    const response = await request(service.url).post('/predict').field('model', 'yolov5s').attach('image', readFileSync(corpusFile('odd/exif_landscape_6.jpg')), 'x.jpg').expect(200);
    // Stored 1200x1800, displayed 1800x1200: gain 640/1800, padding (640 - 426.67) / 2 on top.
    expect(response.body.image).toEqual({ width: 1800, height: 1200 });
    expect(response.body.detections[0]).toEqual({ x_min: 618, y_min: 178, x_max: 1181, y_max: 1021, class_name: 'person', confidence: 0.855 });
  });
});

describe('POST /predict with dynamic height/width models', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService({ env: { MODELS_DIR: DYNAMIC_MODELS_DIR } });
  });
  afterAll(() => service.stop());

  it('runs at the AutoShape rectangle (810x1080 → 480x640) and maps boxes from it', async () => {
    const response = await request(service.url).post('/predict').send({ model: 'yolov5l', image: busJpeg.toString('base64') }).expect(200);
    expect(response.body.input).toEqual({ width: 480, height: 640 });
    // No padding: boxes scale by 1080/640 = 1.6875.
    expect(response.body.detections).toEqual([
      { x_min: 270, y_min: 236, x_max: 540, y_max: 573, class_name: 'person', confidence: 0.855 },
      { x_min: 725, y_min: 0, x_max: 810, y_max: 84, class_name: 'car', confidence: 0.72 },
    ]);
    const state = await request(service.url).get('/models/yolov5l').expect(200);
    expect(state.body.input_shape).toEqual([1, 3, 'height', 'width']);
  });

  it('routes each name to its own model file', async () => {
    for (const model of DEFAULT_MODEL_NAMES) expect([model, await answeringFixtureMark(service.url, model, busJpeg)]).toEqual([model, fixtureMarkIndex(model)]);
  });
});

describe('model files: missing, broken, added later, lazy loading', () => {
  const dir = join(E2E_TMP, 'models-partial');
  let service: RunningService;
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    writeFixtureModels(dir, 'static', ['yolov5s']);
    writeFileSync(join(dir, 'yolov5m.onnx'), makeContractBreakingModel('output-columns'));
    service = await startService({ env: { MODELS_DIR: dir, MODELS_LOADING: 'lazy', WORKER_THREADS: '2' } });
  });
  afterAll(() => service.stop());

  it('keeps the seed answer of /models whatever is installed', async () => {
    expect((await request(service.url).get('/models').expect(200)).body).toEqual(['yolov5s', 'yolov5m', 'yolov5l']);
  });

  it('answers 503 for a missing model with its name and a short hint: no server path, no command', async () => {
    const response = await request(service.url).post('/predict').send({ model: 'yolov5l', image: busJpeg.toString('base64') }).expect(503);
    expect(response.body.detail).toBe('Model yolov5l is not installed: the service\'s models folder has no yolov5l.onnx. See "Models" in the README to add it.');
    const state = await request(service.url).get('/models/yolov5l').expect(200);
    expect(state.body).toMatchObject({ status: 'missing', available: false, loaded: false, input_shape: null, file: 'yolov5l.onnx' });
    expect(state.body.install_hint).toBe(response.body.detail);
    // The full path and the commands go to the log.
    expect(service.output()).toContain(`Model yolov5l is not installed: ${join(dir, 'yolov5l.onnx')} does not exist.`);
  });

  it("refuses unknown class names before the lazy model has loaded, from the file's metadata", async () => {
    const response = await request(service.url).post('/predict').send({ model: 'yolov5s', image: busJpeg.toString('base64'), classes: ['bus', 'unicorn'] }).expect(422);
    expect(response.body.detail).toMatch(/"unicorn" not among yolov5s's classes/);
    expect((await request(service.url).get('/models/yolov5s')).body).toMatchObject({ status: 'not-loaded', loaded: false });
  });

  it('loads lazily on first use', async () => {
    expect((await request(service.url).get('/models/yolov5s')).body).toMatchObject({ status: 'not-loaded', loaded: false });
    await request(service.url).post('/predict').send({ model: 'yolov5s', image: busJpeg.toString('base64') }).expect(200);
    expect((await request(service.url).get('/models/yolov5s')).body).toMatchObject({ status: 'loaded', loaded: true, input_shape: [1, 3, 640, 640] });
  });

  it('answers 503 naming the file and the mismatch for a model that breaks the contract', async () => {
    const response = await request(service.url).post('/predict').send({ model: 'yolov5m', image: busJpeg.toString('base64') }).expect(503);
    expect(response.body.detail).toMatch(/^Model yolov5m cannot be used: yolov5m\.onnx does not have the YOLOv5 export contract: output "output0" has \d+ columns/);
    expect(response.body.detail).not.toContain(dir);
    // Found when the file was screened at start, lazy loading or not: the same state everywhere, never available beside failed.
    expect((await request(service.url).get('/models/yolov5m')).body).toMatchObject({ status: 'failed', available: false, file: 'yolov5m.onnx', error: expect.stringMatching(/^yolov5m\.onnx .*columns/) });
    expect((await request(service.url).get('/health/ready')).body.info.models.yolov5m).toBe('failed');
  });

  it('does not parse a broken model file again until it changes, then loads the new file', async () => {
    const failuresLogged = () => service.output().split('Model yolov5m failed').length - 1;
    for (let i = 0; i < 6; i++) await request(service.url).post('/predict').send({ model: 'yolov5m', image: busJpeg.toString('base64') }).expect(503);
    expect(failuresLogged()).toBe(1); // screened once when it appeared, whatever the number of requests

    copyFileSync(join(STATIC_MODELS_DIR, 'yolov5m.onnx'), join(dir, 'yolov5m.onnx'));
    await request(service.url).post('/predict').send({ model: 'yolov5m', image: busJpeg.toString('base64') }).expect(200);
    expect((await request(service.url).get('/models/yolov5m')).body).toMatchObject({ status: 'loaded', error: null });
  });

  it('serves a model file added after start-up', async () => {
    copyFileSync(join(STATIC_MODELS_DIR, 'yolov5l.onnx'), join(dir, 'yolov5l.onnx'));
    const response = await request(service.url).post('/predict').send({ model: 'yolov5l', image: busJpeg.toString('base64') }).expect(200);
    expect(response.body.detections).toEqual(BUS_STATIC);
    expect(await answeringFixtureMark(service.url, 'yolov5l', busJpeg)).toBe(fixtureMarkIndex('yolov5l'));
  });
});

describe('models downloading at start', () => {
  /** The service with only yolov5s installed, downloading the other defaults from `mirror` as it starts. */
  async function startFetchingFrom(mirror: Server, folder: string): Promise<RunningService> {
    mirror.listen(0, '127.0.0.1');
    await once(mirror, 'listening');
    const dir = join(E2E_TMP, folder);
    writeFixtureModels(dir, 'static', ['yolov5s']);
    return startService({
      env: { MODELS_DIR: dir, MODELS_AUTO_FETCH: 'true', MODELS_BASE_URL: `http://127.0.0.1:${(mirror.address() as AddressInfo).port}` },
    });
  }

  it("name the host's file beside the container's in the log when MODELS_HOST_DIR says where the folder is mounted from (compose)", async () => {
    const dir = join(E2E_TMP, 'models-mounted');
    mkdirSync(dir, { recursive: true });
    const closedPort = await freePort();
    const service = await startService({
      env: { MODELS_DIR: dir, MODELS_HOST_DIR: './models', MODELS_AUTO_FETCH: 'true', MODELS_BASE_URL: `http://127.0.0.1:${closedPort}` },
      waitFor: 'live',
    });
    try {
      await eventually(async () => service.output().includes('Model fetch'));
      expect(service.output()).toContain(`Model yolov5s is not installed: ${join(dir, 'yolov5s.onnx')} (./models/yolov5s.onnx on the host) does not exist.`);
      expect(service.output()).toContain(`save it as ${join(dir, 'yolov5m.onnx')} (./models/yolov5m.onnx on the host);`);
    } finally {
      await service.stop();
    }
  });

  it('serve the installed models meanwhile; the downloading one answers 503 with Retry-After', async () => {
    // A mirror that accepts the download and then sends nothing: yolov5m and yolov5l stay "fetching".
    const mirror = createServer(() => undefined);
    const service = await startFetchingFrom(mirror, 'models-fetching');
    try {
      expect((await request(service.url).get('/models/yolov5m').expect(200)).body.status).toBe('fetching');
      await request(service.url).post('/predict').send({ model: 'yolov5s', image: busJpeg.toString('base64') }).expect(200);
      const downloading = await request(service.url).post('/predict').send({ model: 'yolov5m', image: busJpeg.toString('base64') }).expect(503);
      expect(downloading.body.detail).toMatch(/being downloaded/);
      expect(downloading.headers['retry-after']).toBeDefined();
    } finally {
      await service.stop();
      mirror.closeAllConnections();
      mirror.close();
    }
  });

  it('serve a model once its download is verified, and keep a download that is not a model out', async () => {
    // yolov5m downloads as a real (fixture) model; yolov5l's "download" is a web page, which the verification refuses.
    const mirror = createServer((req, res) => {
      if (req.url === '/yolov5m.onnx') return res.end(readFileSync(join(STATIC_MODELS_DIR, 'yolov5m.onnx')));
      res.setHeader('content-type', 'text/html');
      res.end('<html><body>Not a model</body></html>');
    });
    const service = await startFetchingFrom(mirror, 'models-fetched');
    try {
      const settled = async (name: string) => {
        for (;;) {
          const state = (await request(service.url).get(`/models/${name}`).expect(200)).body;
          if (state.status !== 'fetching') return state;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      expect((await settled('yolov5m')).available).toBe(true);
      expect(await answeringFixtureMark(service.url, 'yolov5m', busJpeg)).toBe(fixtureMarkIndex('yolov5m'));
      // Back to missing (nothing was saved), and the log says why.
      expect(await settled('yolov5l')).toMatchObject({ status: 'missing', available: false });
      expect(service.output()).toMatch(/did not give a usable yolov5l model, so it was not saved/);
    } finally {
      await service.stop();
      mirror.close();
    }
  });
});
