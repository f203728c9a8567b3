import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DEFAULT_MODEL_NAMES } from '@app/model-store';
import { FIXTURE_MARK_CLASS, fixtureMarkConfidence } from '@app/onnx-writer';
import { Detection, detectionIou } from '@app/vision';
import { fixtureMarkIndex, writeFixtureModels } from './support/fixture-models';
import { corpusFile, E2E_TMP } from './support/paths';
import { RunningService, startService } from './support/service';

jest.setTimeout(60_000);

const busJpeg = readFileSync(corpusFile('photos/bus.jpg'));
const webp = readFileSync(corpusFile('odd/webp/pillow_hopper.webp'));

async function predict(service: RunningService, model: string, fields: Record<string, string> = {}): Promise<Detection[]> {
  let call = request(service.url).post('/predict').field('model', model);
  for (const [name, value] of Object.entries(fields)) call = call.field(name, value);
  return (await call.attach('image', busJpeg, 'bus.jpg').expect(200)).body.detections;
}

describe('POST /predict/compare with all three models installed', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(() => service.stop());

  it("runs every model by default, one after another, each with /predict's answer and stage timings", async () => {
    const response = await request(service.url).post('/predict/compare').attach('image', busJpeg, 'bus.jpg').expect(200);
    const body = response.body;
    expect(body.execution).toBe('sequential');
    expect(body.note).toMatch(/one after another.*comparable/);
    expect(body.image).toEqual({ width: 810, height: 1080 });
    expect(body.skipped).toEqual([]);
    expect(body.results.map((result: { model: string }) => result.model)).toEqual(DEFAULT_MODEL_NAMES);
    for (const result of body.results) {
      expect(result.detections).toEqual(await predict(service, result.model));
      expect(Object.keys(result.timings)).toEqual(['decode', 'preprocess', 'inference', 'postprocess']);
      expect(result.time).toBeCloseTo(result.timings.inference / 1000, 3);
    }
  });

  it("runs each model's own file: every result carries its model's mark", async () => {
    const { body } = await request(service.url)
      .post('/predict/compare')
      .send({ image: busJpeg.toString('base64'), confidence_threshold: 0.01, classes: [FIXTURE_MARK_CLASS] })
      .expect(200);
    for (const result of body.results as { model: string; detections: Detection[] }[]) {
      expect([result.model, result.detections.map(({ confidence }) => confidence)]).toEqual([result.model, [fixtureMarkConfidence(fixtureMarkIndex(result.model))]]);
    }
  });

  it('reports agreement for every pair: fixture models with the same table agree on every box above their marks', async () => {
    const { body } = await request(service.url).post('/predict/compare').send({ image: busJpeg.toString('base64'), confidence_threshold: 0.05 }).expect(200);
    const count = (await predict(service, 'yolov5s', { confidence_threshold: '0.05' })).length;
    expect(count).toBeGreaterThan(3); // the low threshold lets the two weak fixture rows through too
    expect(body.agreement.iou_threshold).toBe(0.5);
    expect(body.agreement.pairs.map((pair: { model_a: string; model_b: string }) => `${pair.model_a}-${pair.model_b}`)).toEqual([
      'yolov5s-yolov5m',
      'yolov5s-yolov5l',
      'yolov5m-yolov5l',
    ]);
    for (const pair of body.agreement.pairs) {
      expect(pair).toMatchObject({ boxes_a: count, boxes_b: count, matched: count, matched_share_of_a: 1, matched_share_of_b: 1, f1: 1, mean_iou: 1 });
    }
  });

  it('runs only the requested models, in the requested order (JSON and multipart)', async () => {
    const viaJson = await request(service.url).post('/predict/compare').send({ image: busJpeg.toString('base64'), models: ['yolov5l', 'yolov5s'] }).expect(200);
    expect(viaJson.body.results.map((result: { model: string }) => result.model)).toEqual(['yolov5l', 'yolov5s']);
    const viaForm = await request(service.url).post('/predict/compare').field('models', 'yolov5m, yolov5s').attach('image', busJpeg, 'bus.jpg').expect(200);
    expect(viaForm.body.results.map((result: { model: string }) => result.model)).toEqual(['yolov5m', 'yolov5s']);
    expect(viaForm.body.agreement.pairs).toHaveLength(1);
  });

  it('answers client mistakes with a 4xx and a clear detail', async () => {
    const unknown = await request(service.url).post('/predict/compare').field('models', 'yolov5s,yolov9').attach('image', busJpeg, 'bus.jpg').expect(400);
    expect(unknown.body.detail).toMatch(/Unknown model "yolov9"/);
    const unsupported = await request(service.url).post('/predict/compare').attach('image', webp, 'hopper.webp').expect(415);
    expect(unsupported.body.detail).toMatch(/WEBP images are not supported/);
    const missingImage = await request(service.url).post('/predict/compare').send({ models: ['yolov5s'] }).expect(422);
    expect(missingImage.body.detail).toMatch(/image is required/);
    const badThreshold = await request(service.url).post('/predict/compare').send({ image: busJpeg.toString('base64'), agreement_iou_threshold: 2 }).expect(422);
    expect(badThreshold.body.detail).toMatch(/agreement_iou_threshold/);
  });

  it('documents the route in Swagger with both bodies', async () => {
    const { body } = await request(service.url).get('/docs-json').expect(200);
    const operation = body.paths['/predict/compare'].post;
    expect(Object.keys(operation.requestBody.content)).toEqual(['application/json', 'multipart/form-data']);
    expect(operation.responses['200'].content['application/json'].schema.$ref).toMatch(/CompareResponseDto$/);
    // The multipart form is prefilled with the suggested model and a second one that can run here.
    expect(body.components.schemas.CompareRequestDto.properties.models.example).toEqual(['yolov5s', 'yolov5m']);
  });
});

describe('POST /predict/compare with different and missing models', () => {
  // yolov5s: the static fixture; yolov5m: the dynamic one (other boxes); yolov5l: not installed.
  const dir = join(E2E_TMP, 'models-compare-mixed');
  let service: RunningService;
  beforeAll(async () => {
    writeFixtureModels(dir, 'static', ['yolov5s']);
    writeFixtureModels(dir, 'dynamic', ['yolov5m']);
    service = await startService({ env: { MODELS_DIR: dir } });
  });
  afterAll(() => service.stop());

  it('skips the missing model with its install hint and still compares the others', async () => {
    const { body } = await request(service.url).post('/predict/compare').attach('image', busJpeg, 'bus.jpg').expect(200);
    expect(body.results.map((result: { model: string }) => result.model)).toEqual(['yolov5s', 'yolov5m']);
    expect(body.skipped).toEqual([{ model: 'yolov5l', status: 503, detail: expect.stringMatching(/^Model yolov5l is not installed: the service's models folder has no yolov5l\.onnx/) }]);
    expect(body.agreement.pairs).toHaveLength(1);
  });

  it("derives the agreement figures from the two models' boxes and the IoU threshold", async () => {
    const small = await predict(service, 'yolov5s');
    const medium = await predict(service, 'yolov5m');
    // Same class and the best overlap between the two outputs: IoU between 0.4 and 0.5 on this photo.
    const [bestIou] = small.flatMap((a) => medium.filter((b) => b.class_name === a.class_name).map((b) => detectionIou(a, b))).sort((x, y) => y - x);
    expect(bestIou).toBeGreaterThan(0.4);
    expect(bestIou).toBeLessThan(0.5);

    const strict = (await request(service.url).post('/predict/compare').field('models', 'yolov5s,yolov5m').attach('image', busJpeg, 'bus.jpg').expect(200)).body;
    expect(strict.agreement.pairs[0]).toEqual({
      model_a: 'yolov5s',
      model_b: 'yolov5m',
      boxes_a: small.length,
      boxes_b: medium.length,
      matched: 0,
      matched_share_of_a: 0,
      matched_share_of_b: 0,
      f1: 0,
      mean_iou: null,
      matches: [],
    });

    const loose = (
      await request(service.url).post('/predict/compare').field('models', 'yolov5s,yolov5m').field('agreement_iou_threshold', '0.4').attach('image', busJpeg, 'bus.jpg').expect(200)
    ).body.agreement.pairs[0];
    expect(loose.matched).toBe(1);
    expect(loose.matches).toHaveLength(1);
    const [match] = loose.matches;
    expect(small[match.a].class_name).toBe(medium[match.b].class_name);
    expect(match.iou).toBeCloseTo(bestIou, 3);
    expect(loose.matched_share_of_a).toBeCloseTo(1 / small.length, 3);
    expect(loose.matched_share_of_b).toBeCloseTo(1 / medium.length, 3);
    expect(loose.f1).toBeCloseTo(2 / (small.length + medium.length), 3);
  });

  it('fails with 503 and the install hint only when no requested model can run', async () => {
    const { body } = await request(service.url).post('/predict/compare').field('models', 'yolov5l').attach('image', busJpeg, 'bus.jpg').expect(503);
    expect(body.detail).toMatch(/None of the requested models could run.*yolov5l is not installed/);
  });
});
