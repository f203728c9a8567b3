import { readFileSync } from 'node:fs';
import request from 'supertest';
import { corpusFile } from './support/paths';
import { RunningService, startService } from './support/service';

/** Every route of the seed contract and every error of POST /predict, against the built service. */
describe('seed routes', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(() => service.stop());

  it.each([
    ['/', 'YOLOv5 object detection API'],
    ['/health', 'HEALTH OK'],
  ])('GET %s answers a JSON string', async (path, expected) => {
    const response = await request(service.url).get(path).expect(200).expect('Content-Type', /application\/json/);
    expect(response.text).toBe(JSON.stringify(expected));
  });

  it('GET /describe and /version answer JSON strings', async () => {
    const describe = await request(service.url).get('/describe').expect(200).expect('Content-Type', /json/);
    expect(JSON.parse(describe.text)).toMatch(/yolov5s, yolov5m, yolov5l/);
    const version = await request(service.url).get('/version').expect(200);
    expect(JSON.parse(version.text)).toBe(require('../../../package.json').version);
  });

  it('GET /models lists the three models', async () => {
    const response = await request(service.url).get('/models').expect(200);
    expect(response.body).toEqual(['yolov5s', 'yolov5m', 'yolov5l']);
  });

  it('GET /models/{name} gives the state of a loaded model', async () => {
    const response = await request(service.url).get('/models/yolov5m').expect(200);
    expect(response.body).toMatchObject({
      name: 'yolov5m',
      status: 'loaded',
      available: true,
      loaded: true,
      input_shape: [1, 3, 640, 640],
      output_shape: [1, 25200, 85],
      stride: 32,
      head_layout: 'yolov5',
      random_weights: false,
      error: null,
      install_hint: null,
    });
    // The file's name in the models folder, never the server's path.
    expect(response.body.file).toBe('yolov5m.onnx');
    expect(response.body.classes).toHaveLength(80);
    expect(response.body.workers_loaded).toBeGreaterThanOrEqual(1);
  });

  it('GET /models/{unknown} is a 400 naming the models', async () => {
    const response = await request(service.url).get('/models/yolov9').expect(400);
    expect(response.body.detail).toBe('Unknown model "yolov9". Available models: yolov5s, yolov5m, yolov5l.');
  });

  it('serves Swagger UI and an OpenAPI document with both request bodies of /predict', async () => {
    await request(service.url).get('/docs').expect(200).expect('Content-Type', /html/);
    const { body } = await request(service.url).get('/docs-json').expect(200);
    const content = body.paths['/predict'].post.requestBody.content;
    expect(Object.keys(content)).toEqual(['application/json', 'multipart/form-data']);
    expect(body.components.schemas.PredictUploadDto.properties.image).toMatchObject({ type: 'string', format: 'binary' });
    expect(body.components.schemas.PredictRequestDto.properties.model.enum).toEqual(['yolov5s', 'yolov5m', 'yolov5l']);
  });

  describe('POST /predict errors: a 4xx with a clear `detail`, never a 500', () => {
    const bus = readFileSync(corpusFile('photos/bus.jpg')).toString('base64');
    const json = (body: unknown) => request(service.url).post('/predict').set('Content-Type', 'application/json').send(JSON.stringify(body));

    it.each([
      ['a wrong model name', { model: 'yolov9', image: bus }, 400, /Unknown model "yolov9"/],
      ['a missing model', { image: bus }, 422, /model/],
      ['a missing image', { model: 'yolov5s' }, 422, /image is required/],
      ['invalid base64', { model: 'yolov5s', image: '***not base64***' }, 400, /base64/],
      ['base64 of text', { model: 'yolov5s', image: Buffer.from('hello world').toString('base64') }, 400, /not an image/],
      ['a confidence out of range', { model: 'yolov5s', image: bus, confidence_threshold: 2 }, 422, /confidence_threshold must not be greater than 1/],
      ['a non-numeric IoU', { model: 'yolov5s', image: bus, iou_threshold: 'high' }, 422, /iou_threshold/],
      ['max_detections of 0', { model: 'yolov5s', image: bus, max_detections: 0 }, 422, /max_detections must not be less than 1/],
      ['an empty confidence', { model: 'yolov5s', image: bus, confidence_threshold: '' }, 422, /confidence_threshold must be a number/],
      ['a boolean IoU', { model: 'yolov5s', image: bus, iou_threshold: true }, 422, /iou_threshold must be a number/],
      ['an unknown class name', { model: 'yolov5s', image: bus, classes: ['unicorn'] }, 422, /"unicorn" not among yolov5s's classes/],
    ])('%s', async (_, body, status, detail) => {
      const response = await json(body).expect(status);
      expect(response.body).toMatchObject({ statusCode: status });
      expect(response.body.detail).toMatch(detail);
    });

    it.each([
      ['a truncated JPEG', 'bad/bus_truncated_50pct.jpg', 400, /JPEG image could not be decoded|unusable/],
      ['WebP', 'odd/webp/pillow_hopper.webp', 415, /^WEBP images are not supported/],
      ['HEIC', 'odd/heif_avif/libheif_example.heic', 415, /^HEIC images are not supported/],
      ['an empty file', 'bad/empty_0_bytes.png', 400, /^image is empty/],
      ['HTML named .png', 'bad/html_renamed.png', 400, /not an image/],
    ])('%s (JSON and multipart)', async (_, file, status, detail) => {
      const bytes = readFileSync(corpusFile(file));
      const viaJson = await json({ model: 'yolov5s', image: bytes.toString('base64') });
      const viaForm = await request(service.url).post('/predict').field('model', 'yolov5s').attach('image', bytes, 'upload.bin');
      for (const response of [viaJson, viaForm]) {
        expect([response.status, response.body.detail]).toEqual([expect.any(Number), expect.stringMatching(detail)]);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
      }
      expect([viaJson.status, viaForm.status]).toEqual([status, status]);
    });

    it('a file under another field name is a 400 naming the field to use', async () => {
      const response = await request(service.url).post('/predict').field('model', 'yolov5s').attach('file', readFileSync(corpusFile('photos/bus.jpg')), 'bus.jpg').expect(400);
      expect(response.body.detail).toBe('Send the image in a file field named "image", not "file".');
    });

    it('an empty form field is a 422, not a default', async () => {
      const response = await request(service.url).post('/predict').field('model', 'yolov5s').field('confidence_threshold', '').attach('image', readFileSync(corpusFile('photos/bus.jpg')), 'bus.jpg').expect(422);
      expect(response.body.detail).toMatch(/confidence_threshold must be a number/);
    });

    it('malformed JSON is a 400', async () => {
      const response = await request(service.url).post('/predict').set('Content-Type', 'application/json').send('{"model": "yolov5s",').expect(400);
      expect(response.body.detail).toMatch(/JSON/);
    });

    it('an empty body is a 422 naming the missing fields', async () => {
      const response = await request(service.url).post('/predict').set('Content-Type', 'application/json').send('').expect(422);
      expect(response.body.detail).toMatch(/model/);
    });

    it('a body over the limit is a 413 (JSON and multipart)', async () => {
      const limited = await startService({ env: { BODY_LIMIT_MB: '0.5' } });
      try {
        const big = Buffer.alloc(700 * 1024, 7);
        const viaJson = await request(limited.url).post('/predict').send({ model: 'yolov5s', image: big.toString('base64') }).expect(413);
        expect(viaJson.body.detail).toMatch(/too large/i);
        const viaForm = await request(limited.url).post('/predict').field('model', 'yolov5s').attach('image', big, 'big.jpg').expect(413);
        expect(viaForm.body.detail).toMatch(/too large/i);
      } finally {
        await limited.stop();
      }
    });
  });
});
