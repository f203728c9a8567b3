import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { FIXTURE_ROWS, makeFixedOutputModel } from '@app/onnx-writer';
import { Detection } from '@app/vision';
import { OpenInferenceClient, InferenceResponse } from '../support/open-inference-client';
import { corpusFile } from '../support/paths';
import { describeWithFiles, realModelsFolder } from '../support/real-models';
import { RunningService, startService } from '../support/service';
import { StreamClient } from '../stream/stream-client';

const BUS = readFileSync(corpusFile('photos/bus.jpg'));
const ZIDANE = readFileSync(corpusFile('photos/zidane.jpg'));

/** The real yolov5n and YOLOv8n side by side, with a planted end-to-end graph and an Ultralytics segmentation model beside them. */
const folder = realModelsFolder('head-layouts', ['coco', 'yolov8']);
const END2END = 'end2end-fixture';
const SEGMENT = 'segment-fixture';
if (folder.missing.length === 0) {
  writeFileSync(join(folder.dir, `${END2END}.onnx`), makeFixedOutputModel({ rows: FIXTURE_ROWS.static, layout: 'end2end' }));
  writeFileSync(join(folder.dir, `${SEGMENT}.onnx`), makeFixedOutputModel({ rows: [], layout: 'yolov8', metadata: { task: 'segment' } }));
}

const predict = async (service: RunningService, model: string, image: Buffer, fields: Record<string, unknown> = {}): Promise<Detection[]> =>
  (await request(service.url).post('/predict').send({ model, image: image.toString('base64'), ...fields }).expect(200)).body.detections;

describeWithFiles(folder.missing)('YOLOv5, YOLOv8 and end-to-end head layouts served side by side', () => {
  const yolov5 = folder.served.coco!;
  const yolov8 = folder.served.yolov8!;
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ env: { MODELS_DIR: folder.dir }, timeoutMs: 60_000 });
  });
  afterAll(() => service?.stop());

  it('GET /models/{name} names each head layout; the static YOLOv8 export says it runs at its fixed square', async () => {
    expect((await request(service.url).get(`/models/${yolov5}`).expect(200)).body).toMatchObject({ head_layout: 'yolov5', output_shape: [1, 25200, 85], notice: null });
    const v8 = (await request(service.url).get(`/models/${yolov8}`).expect(200)).body;
    expect(v8).toMatchObject({ head_layout: 'yolov8', status: 'loaded', input_shape: [1, 3, 640, 640], output_shape: [1, 84, 8400], stride: 32 });
    expect(v8.classes).toHaveLength(80);
    expect(v8.notice).toMatch(/has a fixed 640x640 input \(a static YOLOv8\/YOLO11 export\): every photo is letterboxed into that square/);
    expect((await request(service.url).get(`/models/${END2END}`).expect(200)).body).toMatchObject({ head_layout: 'end2end', output_shape: [1, 300, 6] });
  });

  it('lists a segmentation model as failed, naming its task', async () => {
    const { body } = await request(service.url).get(`/models/${SEGMENT}`).expect(200);
    expect(body).toMatchObject({ status: 'failed', available: false, head_layout: null });
    expect(body.error).toMatch(/is an Ultralytics "segment" model: only detection models \(task "detect"\) are served/);
  });

  it('YOLOv8n finds the bus and the people in bus.jpg, in original pixels, as yolov5n does', async () => {
    for (const model of [yolov8, yolov5]) {
      const detections = await predict(service, model, BUS);
      const bus = detections.filter((d) => d.class_name === 'bus');
      expect(bus).toHaveLength(1);
      // The bus spans most of the 810 px width and sits in the middle rows of the 1080 px photo.
      expect(bus[0].x_max - bus[0].x_min).toBeGreaterThan(600);
      expect(bus[0].y_min).toBeGreaterThan(150);
      expect(bus[0].y_max).toBeLessThan(900);
      expect(detections.filter((d) => d.class_name === 'person' && d.confidence > 0.5).length).toBeGreaterThanOrEqual(3);
      for (const d of detections) expect(d.x_max <= 810 && d.y_max <= 1080 && d.x_min >= 0 && d.y_min >= 0).toBe(true);
    }
  });

  it('/predict/compare runs a YOLOv5 and a YOLOv8 side by side and reports their agreement', async () => {
    const { body } = await request(service.url).post('/predict/compare').send({ image: BUS.toString('base64'), models: [yolov5, yolov8] }).expect(200);
    expect(body.results.map((result: { model: string }) => result.model)).toEqual([yolov5, yolov8]);
    const [pair] = body.agreement.pairs;
    expect(pair).toMatchObject({ model_a: yolov5, model_b: yolov8 });
    // The bus and at least three people are the same objects for both.
    expect(pair.matched).toBeGreaterThanOrEqual(4);
    expect(pair.mean_iou).toBeGreaterThan(0.8);
  });

  it('/predict/annotated, /v2 and the live stream answer with the YOLOv8 detections of /predict', async () => {
    const detections = await predict(service, yolov8, BUS);
    const annotated = await request(service.url).post('/predict/annotated').field('model', yolov8).attach('image', BUS, 'bus.jpg').expect(200);
    expect(annotated.headers['content-type']).toMatch(/^image\/png/);
    expect(annotated.headers['x-detection-count']).toBe(String(detections.length));

    const inferred = await new OpenInferenceClient(service.url).infer(yolov8, { inputs: [OpenInferenceClient.bytesInput('image', BUS)] });
    expect(inferred.status).toBe(200);
    expect(OpenInferenceClient.output(inferred.body as InferenceResponse, 'class_names').data).toEqual(detections.map((d) => d.class_name));

    const stream = await StreamClient.open(service.url, { model: yolov8 });
    try {
      stream.send(BUS);
      const answer = await stream.answerTo(1);
      expect(answer.data.detections).toEqual(detections);
      expect(answer.data.input).toEqual({ width: 640, height: 640 });
    } finally {
      await stream.close();
    }
  });

  it('an end-to-end model skips NMS; the confidence, class and count filters still apply, boxes in original pixels', async () => {
    const all = await predict(service, END2END, ZIDANE, { iou_threshold: 0.1 });
    // The second, overlapping person is the graph's answer: nothing suppresses it, whatever the IoU threshold.
    expect(all.map((d) => `${d.class_name}:${d.confidence}`)).toEqual(['person:0.855', 'person:0.765', 'bus:0.64', 'dog:0.63']);
    expect(all[0]).toEqual({ x_min: 440, y_min: 60, x_max: 840, y_max: 660, class_name: 'person', confidence: 0.855 });
    expect((await predict(service, END2END, ZIDANE, { classes: ['dog'] })).map((d) => d.class_name)).toEqual(['dog']);
    expect(await predict(service, END2END, ZIDANE, { confidence_threshold: 0.8 })).toHaveLength(1);
    expect(await predict(service, END2END, ZIDANE, { max_detections: 2 })).toHaveLength(2);
  });

  it('/metrics gives each usable model its head layout', async () => {
    const { text } = await request(service.url).get('/metrics').expect(200);
    expect(text).toContain(`detector_model_head_layout{model="${yolov8}",layout="yolov8"} 1`);
    expect(text).toContain(`detector_model_head_layout{model="${yolov5}",layout="yolov5"} 1`);
    expect(text).toContain(`detector_model_head_layout{model="${END2END}",layout="end2end"} 1`);
    expect(text).not.toContain(`detector_model_head_layout{model="${SEGMENT}"`);
  });
});
