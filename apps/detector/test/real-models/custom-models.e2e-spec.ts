import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import request from 'supertest';
import { formatNamesMetadata } from '@app/onnx-writer';
import { classColours, Detection, hexToRgb } from '@app/vision';
import { corpusFile } from '../support/paths';
import { describeWithFiles, modelVariantsFolder, realModelsFolder } from '../support/real-models';
import { RunningService, startService } from '../support/service';

const DUCKIETOWN_CLASSES = ['duckie', 'cone', 'truck', 'bus'];
const WASTE_CLASSES = ['Biodegradable', 'Non-biodegradable'];
/** A tabletop photo in which the Duckietown model sees a few weak duckies (0.06-0.08). */
const GROCERIES = readFileSync(corpusFile('photos/sam_groceries.jpg'));
const WEAK = 0.05;

/** Pixels of exactly this colour in an encoded image: label tabs and box lines are solid fills of their class colour. */
async function pixelsOfColour(image: Buffer, hex: string): Promise<number> {
  const { r, g, b } = hexToRgb(hex);
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  let count = 0;
  for (let i = 0; i < data.length; i += info.channels) if (data[i] === r && data[i + 1] === g && data[i + 2] === b) count++;
  return count;
}

const folder = realModelsFolder('custom', ['duckietown', 'waste']);

describeWithFiles(folder.missing)('custom-trained models, end to end with their own class names', () => {
  const duckietown = folder.served.duckietown!;
  const waste = folder.served.waste!;
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ env: { MODELS_DIR: folder.dir }, timeoutMs: 60_000 });
  });
  afterAll(() => service?.stop());

  it('GET /models/{name} gives each model its own classes and output shape', async () => {
    const duckies = await request(service.url).get(`/models/${duckietown}`).expect(200);
    expect(duckies.body).toMatchObject({ classes: DUCKIETOWN_CLASSES, output_shape: [1, 25200, 9], input_shape: [1, 3, 640, 640], random_weights: false });
    const bins = await request(service.url).get(`/models/${waste}`).expect(200);
    expect(bins.body).toMatchObject({ classes: WASTE_CLASSES, output_shape: [1, 25200, 7] });
  });

  it('POST /predict answers with the model\'s own class names', async () => {
    const { body } = await request(service.url).post('/predict').field('model', duckietown).field('confidence_threshold', String(WEAK)).attach('image', GROCERIES, 'groceries.jpg').expect(200);
    const names = body.detections.map((detection: Detection) => detection.class_name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((name: string) => DUCKIETOWN_CLASSES.includes(name))).toBe(true);
    const bins = await request(service.url).post('/predict').send({ model: waste, image: GROCERIES.toString('base64'), confidence_threshold: 0.01 }).expect(200);
    expect(bins.body.detections.every((detection: Detection) => WASTE_CLASSES.includes(detection.class_name))).toBe(true);
  });

  it('filters by its own class names, and refuses a COCO name it does not have, listing none of COCO', async () => {
    const all = (await request(service.url).post('/predict').send({ model: duckietown, image: GROCERIES.toString('base64'), confidence_threshold: WEAK }).expect(200)).body.detections as Detection[];
    const present = all[0].class_name;
    const filtered = await request(service.url).post('/predict').send({ model: duckietown, image: GROCERIES.toString('base64'), confidence_threshold: WEAK, classes: [present] }).expect(200);
    expect(filtered.body.detections).toEqual(all.filter((detection) => detection.class_name === present));
    const other = DUCKIETOWN_CLASSES.find((name) => !all.some((detection) => detection.class_name === name))!;
    const none = await request(service.url).post('/predict').field('model', duckietown).field('confidence_threshold', String(WEAK)).field('classes', other).attach('image', GROCERIES, 'g.jpg').expect(200);
    expect(none.body.detections).toEqual([]);
    const coco = await request(service.url).post('/predict').send({ model: duckietown, image: GROCERIES.toString('base64'), classes: ['person'] }).expect(422);
    expect(coco.body.detail).toMatch(new RegExp(`"person" not among ${duckietown}'s classes`));
  });

  it("draws the annotated image's boxes and labels in the colours of the model's own classes", async () => {
    const { body: json } = await request(service.url).post('/predict').send({ model: duckietown, image: GROCERIES.toString('base64'), confidence_threshold: WEAK }).expect(200);
    const response = await request(service.url)
      .post('/predict/annotated')
      .field('model', duckietown)
      .field('confidence_threshold', String(WEAK))
      .field('format', 'png')
      .attach('image', GROCERIES, 'groceries.jpg')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(response.headers['x-detection-count']).toBe(String(json.detections.length));
    const label = (json.detections as Detection[])[0].class_name;
    // The colour of the class's index among the model's names; with the COCO names the same label would be drawn in
    // another colour (a COCO index for 'truck' and 'bus', a colour from the name's hash for 'duckie' and 'cone').
    const [own, coco] = [classColours(label, DUCKIETOWN_CLASSES).box, classColours(label).box];
    expect(own).not.toBe(coco);
    expect(await pixelsOfColour(response.body as Buffer, own)).toBeGreaterThan(100);
    expect(await pixelsOfColour(response.body as Buffer, coco)).toBe(0);
  });
});

const broken = modelVariantsFolder('broken-custom', [
  { name: 'duckietown-without-names', of: 'duckietown', metadata: { names: null } },
  { name: 'duckietown-three-names', of: 'duckietown', metadata: { names: formatNamesMetadata(['duckie', 'cone', 'truck']) } },
]);

describeWithFiles(broken.missing)('custom models exported without their class names', () => {
  const [withoutNames, wrongColumns] = broken.served;
  let service: RunningService;

  beforeAll(async () => {
    // Only broken files (and missing defaults): the service lives but is not ready, lazy loading or not.
    service = await startService({ env: { MODELS_DIR: broken.dir, MODELS_LOADING: 'lazy' }, timeoutMs: 60_000, waitFor: 'live' });
  });
  afterAll(() => service?.stop());

  it('is not ready: every model it serves is broken or missing', async () => {
    expect((await request(service.url).get('/health/ready')).status).toBe(503);
  });

  it('a model without `names` metadata fails with a message naming the file and the missing names', async () => {
    const response = await request(service.url).post('/predict').send({ model: withoutNames, image: GROCERIES.toString('base64') }).expect(503);
    expect(response.body.detail).toMatch(new RegExp(`${withoutNames}\\.onnx does not have the YOLOv5 export contract: .*9 columns per row \\(4 classes\\) but the file has no \`names\` metadata`));
  });

  it('a model whose names do not fit its output columns fails with a message naming the file and both counts', async () => {
    const response = await request(service.url).post('/predict').send({ model: wrongColumns, image: GROCERIES.toString('base64') }).expect(503);
    expect(response.body.detail).toMatch(new RegExp(`${wrongColumns}\\.onnx does not have the YOLOv5 export contract: .*9 columns per row but the model names 3 classes \\(expected 8\\)`));
  });
});
