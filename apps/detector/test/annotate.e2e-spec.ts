import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { classColours, hexToRgb } from '@app/vision/class-colours';
import { writeFixtureModels } from './support/fixture-models';
import { corpusFile, E2E_TMP } from './support/paths';
import { RunningService, startService } from './support/service';

jest.setTimeout(60_000);

const busJpeg = readFileSync(corpusFile('photos/bus.jpg'));

/** supertest buffers image bodies only when told to. */
const binary = (response: request.Response, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => callback(null, Buffer.concat(chunks)));
};

describe('POST /predict/annotated', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(() => service.stop());

  it("answers a PNG of the upright photo with /predict's boxes drawn in their class colours", async () => {
    const detections = (await request(service.url).post('/predict').field('model', 'yolov5s').attach('image', busJpeg, 'bus.jpg').expect(200)).body.detections;
    const response = await request(service.url).post('/predict/annotated').field('model', 'yolov5s').attach('image', busJpeg, 'bus.jpg').buffer(true).parse(binary).expect(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['x-detection-count']).toBe(String(detections.length));
    expect(response.headers['server-timing']).toMatch(/inference;dur=[\d.]+.*annotate;dur=[\d.]+$/);

    const { data, info } = await sharp(response.body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([810, 1080]);
    const pixel = (x: number, y: number) => {
      const offset = (y * info.width + x) * 3;
      return { r: data[offset], g: data[offset + 1], b: data[offset + 2] };
    };
    const person = detections.find((d: { class_name: string }) => d.class_name === 'person');
    const bus = detections.find((d: { class_name: string }) => d.class_name === 'bus');
    const middle = (d: { y_min: number; y_max: number }) => Math.round((d.y_min + d.y_max) / 2);
    expect(pixel(person.x_min, middle(person))).toEqual(hexToRgb(classColours('person').box));
    expect(pixel(bus.x_max - 1, middle(bus))).toEqual(hexToRgb(classColours('bus').box));
  });

  it('chooses JPEG from the Accept header, and the format field over the Accept header (JSON body too)', async () => {
    const jpeg = await request(service.url)
      .post('/predict/annotated')
      .set('Accept', 'image/jpeg')
      .field('model', 'yolov5m')
      .attach('image', busJpeg, 'bus.jpg')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect([...jpeg.body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect((await sharp(jpeg.body).metadata()).width).toBe(810);

    const png = await request(service.url)
      .post('/predict/annotated')
      .set('Accept', 'image/jpeg')
      .send({ model: 'yolov5l', image: busJpeg.toString('base64'), format: 'png', confidence_threshold: 0.05 })
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['x-detection-count']).toBe('5'); // the two weak fixture rows pass at 0.05
  });

  it('refuses with a clear detail: Accept without an image type, a bad format, WebP', async () => {
    const notAcceptable = await request(service.url).post('/predict/annotated').set('Accept', 'application/json').field('model', 'yolov5s').attach('image', busJpeg, 'bus.jpg').expect(406);
    expect(notAcceptable.body.detail).toMatch(/image\/png.*image\/jpeg/);
    const badFormat = await request(service.url).post('/predict/annotated').field('model', 'yolov5s').field('format', 'gif').attach('image', busJpeg, 'bus.jpg').expect(422);
    expect(badFormat.body.detail).toMatch(/format/);
    const webp = await request(service.url).post('/predict/annotated').field('model', 'yolov5s').attach('image', readFileSync(corpusFile('odd/webp/pillow_hopper.webp')), 'x.webp').expect(415);
    expect(webp.body.detail).toMatch(/WEBP images are not supported/);
  });

  it('documents PNG and JPEG as the response content types in Swagger', async () => {
    const { body } = await request(service.url).get('/docs-json').expect(200);
    const operation = body.paths['/predict/annotated'].post;
    expect(Object.keys(operation.responses['200'].content)).toEqual(['image/png', 'image/jpeg']);
    expect(operation.responses['200'].content['image/png'].schema).toEqual({ type: 'string', format: 'binary' });
    expect(Object.keys(operation.requestBody.content)).toEqual(['application/json', 'multipart/form-data']);
    expect(operation.responses['415'].content['application/json']).toBeDefined();
  });
});

describe('POST /predict/annotated for a model that is not installed', () => {
  const dir = join(E2E_TMP, 'models-annotate-partial');
  let service: RunningService;
  beforeAll(async () => {
    writeFixtureModels(dir, 'static', ['yolov5s']);
    service = await startService({ env: { MODELS_DIR: dir } });
  });
  afterAll(() => service.stop());

  it('answers 503 with the install hint', async () => {
    const { body } = await request(service.url).post('/predict/annotated').field('model', 'yolov5l').attach('image', busJpeg, 'bus.jpg').expect(503);
    expect(body.detail).toMatch(/^Model yolov5l is not installed: the service's models folder has no yolov5l\.onnx/);
  });
});
