import { readFileSync } from 'node:fs';
import request from 'supertest';
import { corpusFile } from './support/paths';
import { RunningService, startService } from './support/service';

const busJpeg = readFileSync(corpusFile('photos/bus.jpg'));

/**
 * bus.jpg (810x1080) through the static fixture models (support/fixture-models.ts): 640x640 input, gain 640/1080,
 * 80 px padding left and right, so a model-input corner c maps to (c - 80) × 1.6875 across and c × 1.6875 down.
 * The seed's integer answer truncates these.
 */
const BUS_FLOAT = [
  { x_min: 236.25, y_min: 286.875, x_max: 573.75, y_max: 793.125, class_name: 'person', confidence: 0.855 },
  { x_min: 253.125, y_min: 320.625, x_max: 624.375, y_max: 793.125, class_name: 'bus', confidence: 0.64 },
  { x_min: 0, y_min: 641.25, x_max: 0, y_max: 708.75, class_name: 'dog', confidence: 0.63 },
];
const CORNERS = ['x_min', 'y_min', 'x_max', 'y_max'] as const;
type Box = Record<(typeof CORNERS)[number], number> & { class_name: string; confidence: number };

/** Within the 1/100 pixel the float answer is rounded to. */
function expectFloatBoxes(detections: Box[]) {
  expect(detections.map(({ class_name, confidence }) => ({ class_name, confidence }))).toEqual(BUS_FLOAT.map(({ class_name, confidence }) => ({ class_name, confidence })));
  detections.forEach((detection, i) => {
    for (const corner of CORNERS) expect(Math.abs(detection[corner] - BUS_FLOAT[i][corner])).toBeLessThanOrEqual(0.005 + 1e-9);
  });
}

describe('float_boxes: sub-pixel boxes on request', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(() => service.stop());

  it('keeps integer boxes by default and gives floats when asked in JSON', async () => {
    const image = busJpeg.toString('base64');
    const integers = await request(service.url).post('/predict').send({ model: 'yolov5s', image }).expect(200);
    const floats = await request(service.url).post('/predict').send({ model: 'yolov5s', image, float_boxes: true }).expect(200);
    expect(integers.body.detections.every((d: Box) => CORNERS.every((corner) => Number.isInteger(d[corner])))).toBe(true);
    expectFloatBoxes(floats.body.detections);
    // The default answer is the float one truncated, box by box.
    expect(integers.body.detections).toEqual(floats.body.detections.map((d: Box) => ({ ...d, ...Object.fromEntries(CORNERS.map((c) => [c, Math.trunc(d[c])])) })));
    const explicit = await request(service.url).post('/predict').send({ model: 'yolov5s', image, float_boxes: false }).expect(200);
    expect(explicit.body.detections).toEqual(integers.body.detections);
  });

  it('reads "true" and "false" from a multipart form', async () => {
    const upload = (value: string) => request(service.url).post('/predict').field('model', 'yolov5m').field('float_boxes', value).attach('image', busJpeg, 'bus.jpg');
    expectFloatBoxes((await upload('true').expect(200)).body.detections);
    const integers = (await upload('false').expect(200)).body.detections as Box[];
    expect(integers[0]).toEqual({ x_min: 236, y_min: 286, x_max: 573, y_max: 793, class_name: 'person', confidence: 0.855 });
  });

  it('refuses anything but a boolean with a 422 naming the field', async () => {
    const viaForm = await request(service.url).post('/predict').field('model', 'yolov5s').field('float_boxes', 'yes').attach('image', busJpeg, 'bus.jpg').expect(422);
    expect(JSON.stringify(viaForm.body)).toMatch(/float_boxes must be a boolean/);
    const viaJson = await request(service.url).post('/predict').send({ model: 'yolov5s', image: busJpeg.toString('base64'), float_boxes: 1 }).expect(422);
    expect(JSON.stringify(viaJson.body)).toMatch(/float_boxes must be a boolean/);
  });

  it('applies to the comparison of models too', async () => {
    const { body } = await request(service.url).post('/predict/compare').send({ image: busJpeg.toString('base64'), models: ['yolov5s', 'yolov5l'], float_boxes: true }).expect(200);
    for (const result of body.results) expectFloatBoxes(result.detections);
  });

  it('is documented in Swagger for the JSON and the multipart body, off by default', async () => {
    const { body } = await request(service.url).get('/docs-json').expect(200);
    for (const schema of ['PredictRequestDto', 'PredictUploadDto']) {
      const property = body.components.schemas[schema].properties.float_boxes;
      expect(property).toMatchObject({ type: 'boolean', default: false });
      expect(property.description).toMatch(/1\/100 pixel/);
    }
  });
});
