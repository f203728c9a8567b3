import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { bmpImage, eventually, metric, predictMultipart, scrape } from './support/helpers';
import { writeFixtureModels } from './support/fixture-models';
import { corpusFile, E2E_TMP, SHARED_MODELS_DIR, STATIC_MODELS_DIR } from './support/paths';
import { RunningService, startService } from './support/service';

const busJpeg = readFileSync(corpusFile('photos/bus.jpg'));

/**
 * A models folder as users fill it: the generated s/m/l fixtures, the real COCO yolov5n and two custom networks
 * (read in place from ../shared through symlinks, never copied), and a broken file.
 */
const CUSTOM = {
  'waste-yolov5n': ['Biodegradable', 'Non-biodegradable'],
  'duckietown-yolov5n': ['duckie', 'cone', 'truck', 'bus'],
};
const SERVED = ['yolov5n', 'yolov5s', 'yolov5m', 'yolov5l', 'broken', 'duckietown-yolov5n', 'waste-yolov5n'];
const WORKING = SERVED.filter((name) => name !== 'broken');

describe('a models folder with generated, real and custom models and a broken file', () => {
  const dir = join(E2E_TMP, 'models-catalog');
  let service: RunningService;

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    writeFixtureModels(dir, 'static');
    symlinkSync(join(SHARED_MODELS_DIR, 'yolov5n.onnx'), join(dir, 'yolov5n.onnx'));
    for (const name of Object.keys(CUSTOM)) symlinkSync(join(SHARED_MODELS_DIR, 'custom', `${name}.onnx`), join(dir, `${name}.onnx`));
    writeFileSync(join(dir, 'broken.onnx'), 'not a network, only text');
    service = await startService({ env: { MODELS_DIR: dir, MODELS_POLL_MS: '500' }, timeoutMs: 60_000 });
  });
  afterAll(async () => {
    expect(await service.stop()).toBe(0);
  });

  it('GET /models lists every model of the folder; the broken file is failed with its reason, and readiness holds', async () => {
    expect((await request(service.url).get('/models').expect(200)).body).toEqual(SERVED);
    const broken = (await request(service.url).get('/models/broken').expect(200)).body;
    expect(broken).toMatchObject({ status: 'failed', available: false, loaded: false, file: 'broken.onnx', error: expect.stringMatching(/^broken\.onnx: not an ONNX model/) });
    const ready = await request(service.url).get('/health/ready').expect(200);
    expect(ready.body.info.models).toMatchObject({ broken: 'failed', yolov5n: 'loaded', 'waste-yolov5n': 'loaded' });
  });

  it.each(WORKING)('GET /models/%s gives its own classes, loaded once (one runner)', async (name) => {
    const { body } = await request(service.url).get(`/models/${name}`).expect(200);
    expect(body).toMatchObject({ name, status: 'loaded', available: true, loaded: true, file: `${name}.onnx`, workers_loaded: 1, replicas: 1 });
    expect(body.classes).toEqual(CUSTOM[name as keyof typeof CUSTOM] ?? expect.arrayContaining(['person', 'bus']));
    // The real static exports are rewritten to run rectangular; the fixed-output fixtures are no YOLOv5 graph.
    const real = name === 'yolov5n' || name in CUSTOM;
    expect([body.shape_policy, body.shape_policy_reason]).toEqual(real ? ['rectangular', 'static-export-rewritten'] : ['fixed', 'graph-not-recognised']);
  });

  it.each(WORKING)('POST /predict, /predict/annotated and the classes filter answer for %s', async (name) => {
    const classes = CUSTOM[name as keyof typeof CUSTOM] ?? ['person', 'bus'];
    const answer = await request(service.url).post('/predict').send({ model: name, image: busJpeg.toString('base64'), classes }).expect(200);
    expect(answer.body.model).toBe(name);
    for (const detection of answer.body.detections) expect(classes).toContain(detection.class_name);
    const unknownClass = await request(service.url).post('/predict').send({ model: name, image: busJpeg.toString('base64'), classes: ['unicorn'] }).expect(422);
    expect(unknownClass.body.detail).toContain(`not among ${name}'s classes`);
    const annotated = await request(service.url).post('/predict/annotated').field('model', name).attach('image', busJpeg, 'bus.jpg').expect(200);
    expect(annotated.headers['content-type']).toBe('image/png');
  });

  it("the real yolov5n finds the people and the bus of bus.jpg, at AutoShape's 480x640 rectangle", async () => {
    const { body } = await request(service.url).post('/predict').field('model', 'yolov5n').attach('image', busJpeg, 'bus.jpg').expect(200);
    expect(body.input).toEqual({ width: 480, height: 640 });
    const found = new Set(body.detections.map((detection: { class_name: string }) => detection.class_name));
    expect(found).toEqual(new Set(['person', 'bus']));
  });

  it('/predict for the broken file is a 503 with its reason and no server path; the others keep serving', async () => {
    const { body } = await request(service.url).post('/predict').field('model', 'broken').attach('image', busJpeg, 'bus.jpg').expect(503);
    expect(body.detail).toMatch(/^Model broken cannot be used: broken\.onnx: not an ONNX model/);
    expect(body.detail).not.toContain(dir);
  });

  it('/predict/compare runs any subset of the served models, more than three, and lists the broken one as skipped', async () => {
    const { body } = await request(service.url).post('/predict/compare').field('models', SERVED.join(',')).attach('image', busJpeg, 'bus.jpg').expect(200);
    expect(body.results.map((result: { model: string }) => result.model)).toEqual(WORKING);
    expect(body.skipped).toEqual([{ model: 'broken', status: 503, detail: expect.stringMatching(/^Model broken cannot be used/) }]);
    expect(body.agreement.pairs).toHaveLength((WORKING.length * (WORKING.length - 1)) / 2);
  });

  it('Swagger lists the served models when the document is read; the page gets each model\'s class colours; metrics label them', async () => {
    const document = (await request(service.url).get('/docs-json').expect(200)).body;
    expect(document.components.schemas.PredictRequestDto.properties.model.enum).toEqual(SERVED);
    expect(document.components.schemas.CompareRequestDto.properties.models.items.enum).toEqual(SERVED);
    expect(document.info.description).toContain("`waste-yolov5n`: loaded, 2 classes (`Biodegradable`, `Non-biodegradable`)");
    const colours = (await request(service.url).get('/ui/class-colours.json').expect(200)).body;
    expect(Object.keys(colours['duckietown-yolov5n'])).toEqual(CUSTOM['duckietown-yolov5n']);
    expect(metric(await scrape(service.url), 'detector_detection_duration_seconds_count', { model: 'waste-yolov5n' })).toBeGreaterThanOrEqual(1);
  });

  it('serves a file added while running (within MODELS_POLL_MS, no request needed) and drops it once removed', async () => {
    copyFileSync(join(STATIC_MODELS_DIR, 'yolov5s.onnx'), join(dir, 'added.onnx'));
    await eventually(async () => (await request(service.url).get('/models')).body.includes('added'), 3_000);
    // Eager loading: checked, then loaded by its own runner (readiness waits meanwhile), without a request.
    await eventually(async () => (await request(service.url).get('/models/added')).body.status === 'loaded', 10_000);
    expect((await request(service.url).get('/models/added')).body).toMatchObject({ available: true, workers_loaded: 1 });
    await request(service.url).post('/predict').field('model', 'added').attach('image', busJpeg, 'bus.jpg').expect(200);
    // Its runner is stopped while another model's runner is busy: the session is released first (stopping a thread
    // that holds one while another runs session.run would abort the process with onnxruntime-node 1.30).
    let busy = true;
    const others = (async () => {
      const statuses: number[] = [];
      while (busy) statuses.push((await request(service.url).post('/predict').field('model', 'yolov5n').attach('image', busJpeg, 'bus.jpg')).status);
      return statuses;
    })();
    rmSync(join(dir, 'added.onnx'));
    await eventually(async () => !(await request(service.url).get('/models')).body.includes('added'), 3_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    busy = false;
    expect(new Set(await others)).toEqual(new Set([200]));
    await request(service.url).post('/predict').field('model', 'added').attach('image', busJpeg, 'bus.jpg').expect(400);
  });
});

describe('MODELS_CONFIG', () => {
  it('renames, excludes and sets per-model options', async () => {
    const dir = join(E2E_TMP, 'models-configured');
    writeFixtureModels(dir, 'static', ['yolov5s', 'yolov5m', 'yolov5l']);
    const config = join(dir, 'models.json');
    writeFileSync(config, JSON.stringify({ defaults: { loading: 'lazy' }, models: { fast: { file: 'yolov5s.onnx', replicas: 2, shape_policy: 'fixed' }, yolov5l: false } }));
    const service = await startService({ env: { MODELS_DIR: dir, MODELS_CONFIG: config, LOG_LEVEL: 'error' } });
    try {
      // yolov5s.onnx is served as "fast" only; yolov5l is excluded though its file is there.
      expect((await request(service.url).get('/models').expect(200)).body).toEqual(['yolov5m', 'fast']);
      expect((await request(service.url).get('/models/fast').expect(200)).body).toMatchObject({
        file: 'yolov5s.onnx',
        status: 'not-loaded',
        replicas: 2,
        loading: 'lazy',
        shape_policy: 'fixed',
        shape_policy_reason: 'pinned-by-config',
      });
      await request(service.url).post('/predict').field('model', 'fast').attach('image', busJpeg, 'bus.jpg').expect(200);
      await request(service.url).post('/predict').field('model', 'yolov5l').attach('image', busJpeg, 'bus.jpg').expect(400);
    } finally {
      await service.stop();
    }
  });
});

describe('head-of-line: yolov5s during a yolov5l burst', () => {
  /** 24 megapixels of BMP: jimp takes ~0.5 s to decode it, so each yolov5l request holds yolov5l's runner that long. */
  const slowImage = bmpImage(6000, 4000);

  it('a yolov5s request waits only behind its own queue, not behind the yolov5l requests queued before it', async () => {
    const dir = join(E2E_TMP, 'models-head-of-line');
    mkdirSync(dir, { recursive: true });
    writeFixtureModels(dir, 'static', ['yolov5s', 'yolov5l']);
    const service = await startService({ env: { MODELS_DIR: dir, BODY_LIMIT_MB: '100', LOG_LEVEL: 'error' } });
    try {
      const order: string[] = [];
      const started = performance.now();
      const burst = Array.from({ length: 6 }, (_, i) =>
        predictMultipart(service.url, slowImage, { model: 'yolov5l' }).then((answer) => {
          order.push(`yolov5l#${i} ${answer.status}`);
          return performance.now() - started;
        }),
      );
      // Once yolov5l's runner is busy (two images at once) and its queue holds the rest of the burst:
      await eventually(async () => metric(await scrape(service.url), 'detector_model_queue_depth', { model: 'yolov5l' }) === 4, 20_000);
      const latencies: number[] = [];
      for (let i = 0; i < 3; i++) {
        const sent = performance.now();
        const answer = await predictMultipart(service.url, busJpeg, { model: 'yolov5s' });
        expect(answer.status).toBe(200);
        latencies.push(performance.now() - sent);
        order.push('yolov5s');
      }
      // yolov5l's queue still held requests sent before the yolov5s ones, and yolov5s never queued.
      const during = await scrape(service.url);
      expect(metric(during, 'detector_model_queue_depth', { model: 'yolov5l' })).toBeGreaterThan(0);
      expect(metric(during, 'detector_model_queue_depth', { model: 'yolov5s' })).toBe(0);
      const burstMs = await Promise.all(burst);
      // Behind one FIFO the yolov5s requests would come after the four queued yolov5l ones; here they overtake them.
      expect(order.slice(0, 3)).toEqual(['yolov5s', 'yolov5s', 'yolov5s']);
      expect(order.filter((entry) => entry.startsWith('yolov5l'))).toHaveLength(6);
      expect(order.every((entry) => entry === 'yolov5s' || entry.endsWith(' 200'))).toBe(true);
      console.log(
        `head-of-line: yolov5s latencies during a yolov5l burst ${latencies.map((ms) => `${Math.round(ms)} ms`).join(', ')}; ` +
          `the 6 yolov5l requests took ${Math.round(Math.max(...burstMs))} ms`,
      );
    } finally {
      await service.stop();
    }
  });
});
