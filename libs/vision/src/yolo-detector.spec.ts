import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FIXTURE_ROWS, makeContractBreakingModel, makeFixedOutputModel } from '@app/onnx-writer';
import { DEFAULT_DETECT_OPTIONS } from './detection';
import { YoloDetector } from './yolo-detector';
import { loadYoloModel, LoadedYoloModel } from './yolo-session';
import { ImageError } from './image-errors';
import { decodeImage } from './image-decoder';

const corpus = resolve(__dirname, '../../../../shared/corpus');
const dir = mkdtempSync(join(tmpdir(), 'yolo-detector-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = FIXTURE_ROWS.static;

async function load(name: string, bytes: Uint8Array): Promise<LoadedYoloModel> {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return loadYoloModel(file);
}

describe('YoloDetector with a fixed-output model', () => {
  let detector: YoloDetector;
  let model: LoadedYoloModel;
  beforeAll(async () => {
    model = await load('static.onnx', makeFixedOutputModel({ rows }));
    detector = new YoloDetector(model);
  });
  afterAll(() => model.session.release());

  it('maps letterboxed boxes back to zidane.jpg (1280x720: gain 0.5, 140 px of padding on top), clipped', async () => {
    const outcome = await detector.detect(readFileSync(join(corpus, 'photos/zidane.jpg')), DEFAULT_DETECT_OPTIONS);
    expect(outcome.image).toEqual({ width: 1280, height: 720 });
    expect(outcome.input).toEqual({ width: 640, height: 640 });
    expect(outcome.detections).toEqual([
      { x_min: 440, y_min: 60, x_max: 840, y_max: 660, class_name: 'person', confidence: 0.855 },
      { x_min: 460, y_min: 100, x_max: 900, y_max: 660, class_name: 'bus', confidence: 0.64 },
      { x_min: 0, y_min: 480, x_max: 80, y_max: 560, class_name: 'dog', confidence: 0.63 },
    ]);
    for (const ms of Object.values(outcome.timings)) expect(ms).toBeGreaterThan(0);
  });

  it('maps boxes back to a portrait photo (bus.jpg 810x1080: 80 px of padding left and right)', async () => {
    const outcome = await detector.detect(readFileSync(join(corpus, 'photos/bus.jpg')), DEFAULT_DETECT_OPTIONS);
    expect(outcome.detections.slice(0, 2)).toEqual([
      { x_min: 236, y_min: 286, x_max: 573, y_max: 793, class_name: 'person', confidence: 0.855 },
      { x_min: 253, y_min: 320, x_max: 624, y_max: 793, class_name: 'bus', confidence: 0.64 },
    ]);
  });

  it('maps boxes back to the full size of a photo shrunk while decoding (4032x2688: gain 640/4032, 106.7 px of padding on top)', async () => {
    const outcome = await detector.detect(readFileSync(join(corpus, 'photos/phone_size_4032x2688.jpg')), DEFAULT_DETECT_OPTIONS);
    expect(outcome.image).toEqual({ width: 4032, height: 2688 });
    // y_min 399 and 525 exactly; in floating point (here and in Python) a hair less, which int() truncates.
    expect(outcome.detections).toEqual([
      { x_min: 1386, y_min: 398, x_max: 2646, y_max: 2289, class_name: 'person', confidence: 0.855 },
      { x_min: 1449, y_min: 524, x_max: 2835, y_max: 2289, class_name: 'bus', confidence: 0.64 },
      { x_min: 0, y_min: 1722, x_max: 252, y_max: 1974, class_name: 'dog', confidence: 0.63 },
    ]);
  });

  it('applies the confidence, IoU, class and count options', async () => {
    const image = readFileSync(join(corpus, 'photos/zidane.jpg'));
    const names = async (options: Partial<typeof DEFAULT_DETECT_OPTIONS>) =>
      (await detector.detect(image, { ...DEFAULT_DETECT_OPTIONS, ...options })).detections.map((d) => `${d.class_name}:${d.confidence}`);
    expect(await names({ confidenceThreshold: 0.7 })).toEqual(['person:0.855']);
    expect(await names({ confidenceThreshold: 0.15 })).toEqual(['person:0.855', 'bus:0.64', 'dog:0.63', 'car:0.2', 'motorcycle:0.198']);
    expect(await names({ iouThreshold: 0.95 })).toEqual(['person:0.855', 'person:0.765', 'bus:0.64', 'dog:0.63']);
    expect(await names({ classes: ['dog', 'car'] })).toEqual(['dog:0.63']);
    expect(await names({ maxDetections: 2 })).toEqual(['person:0.855', 'bus:0.64']);
  });

  // zidane.jpg is decoded by TurboJPEG, the phone photo by sharp (shrunk while decoding).
  it.each(['zidane.jpg', 'phone_size_4032x2688.jpg'])("gives %s's decoded bitmap and the run's output back once the answer is made, not the caller's bytes", async (photo) => {
    const run = model.session.run.bind(model.session);
    const outputs: ArrayBufferLike[] = [];
    const runSpy = jest.spyOn(model.session, 'run').mockImplementation(async (...args: Parameters<typeof run>) => {
      const results = await run(...args);
      for (const tensor of Object.values(results)) outputs.push((tensor.data as Float32Array).buffer);
      return results;
    });
    const bitmapSpy = jest.spyOn(detector, 'processBitmap');
    try {
      const bytes = readFileSync(join(corpus, 'photos', photo));
      const outcome = await detector.detect(bytes, DEFAULT_DETECT_OPTIONS);
      const [bitmap] = bitmapSpy.mock.calls[0];
      expect(outcome.detections).toHaveLength(3);
      expect([bitmap.data.byteLength, outputs.length, outputs.map((buffer) => buffer.byteLength)]).toEqual([0, 1, [0]]);
      expect(bytes.byteLength).toBeGreaterThan(0);
    } finally {
      runSpy.mockRestore();
      bitmapSpy.mockRestore();
    }
  });

  it('refuses undecodable input with an ImageError', async () => {
    await expect(detector.detect(Buffer.from('not an image'), DEFAULT_DETECT_OPTIONS)).rejects.toBeInstanceOf(ImageError);
  });
});

describe('YoloDetector with dynamic height/width', () => {
  it('runs at the smallest stride-multiple rectangle (AutoShape) and maps boxes from it', async () => {
    const model = await load('dynamic.onnx', makeFixedOutputModel({ rows: [rows[0]], input: 'dynamic' }));
    const outcome = await new YoloDetector(model).detect(readFileSync(join(corpus, 'photos/zidane.jpg')), DEFAULT_DETECT_OPTIONS);
    // 1280x720 → 640x384 input; gain 0.5, padding (384 - 360) / 2 = 12 rows on top.
    expect(outcome.input).toEqual({ width: 640, height: 384 });
    expect(outcome.detections).toEqual([{ x_min: 440, y_min: 316, x_max: 840, y_max: 720, class_name: 'person', confidence: 0.855 }]);
    await model.session.release();
  });

  it('runs at the input size a request asks for (a live stream at 320), and a fixed-shape model ignores it', async () => {
    const dynamic = await load('dynamic-320.onnx', makeFixedOutputModel({ rows: [rows[0]], input: 'dynamic' }));
    const zidane = readFileSync(join(corpus, 'photos/zidane.jpg'));
    const small = await new YoloDetector(dynamic).detect(zidane, { ...DEFAULT_DETECT_OPTIONS, inputSize: 320 });
    // 1280x720 → 320x192 input (gain 0.25, 6 rows of padding on top).
    expect(small.input).toEqual({ width: 320, height: 192 });
    expect(small.image).toEqual({ width: 1280, height: 720 });
    const fixed = await load('static-320.onnx', makeFixedOutputModel({ rows }));
    expect((await new YoloDetector(fixed).detect(zidane, { ...DEFAULT_DETECT_OPTIONS, inputSize: 320 })).input).toEqual({ width: 640, height: 640 });
    await Promise.all([dynamic.session.release(), fixed.session.release()]);
  });
});

describe.each(['yolov8', 'end2end'] as const)('YoloDetector with a %s head (planted fixture graph)', (layout) => {
  let detector: YoloDetector;
  let model: LoadedYoloModel;
  beforeAll(async () => {
    model = await load(`${layout}.onnx`, makeFixedOutputModel({ rows, layout }));
    detector = new YoloDetector(model);
  });
  afterAll(() => model.session.release());
  const zidane = readFileSync(join(corpus, 'photos/zidane.jpg'));
  const answer = async (options: Partial<typeof DEFAULT_DETECT_OPTIONS>) =>
    (await detector.detect(zidane, { ...DEFAULT_DETECT_OPTIONS, ...options })).detections.map((d) => `${d.class_name}:${d.confidence}`);

  it('is recognised from its output shape and metadata', () => {
    expect(model.contract.headLayout).toBe(layout);
  });

  it('maps letterboxed boxes back to zidane.jpg (gain 0.5, 140 px of padding on top) and bus.jpg (80 px left and right)', async () => {
    const outcome = await detector.detect(zidane, DEFAULT_DETECT_OPTIONS);
    expect(outcome.input).toEqual({ width: 640, height: 640 });
    const [person, second] = outcome.detections;
    expect(person).toEqual({ x_min: 440, y_min: 60, x_max: 840, y_max: 660, class_name: 'person', confidence: 0.855 });
    // NMS is skipped for end-to-end outputs: the overlapping second person (0.765) the graph answered stays.
    expect(second).toEqual(layout === 'end2end' ? { x_min: 460, y_min: 70, x_max: 860, y_max: 670, class_name: 'person', confidence: 0.765 } : expect.objectContaining({ class_name: 'bus' }));
    const bus = await detector.detect(readFileSync(join(corpus, 'photos/bus.jpg')), DEFAULT_DETECT_OPTIONS);
    expect(bus.detections[0]).toEqual({ x_min: 236, y_min: 286, x_max: 573, y_max: 793, class_name: 'person', confidence: 0.855 });
  });

  it('applies the confidence, class and count options (and IoU only where NMS runs)', async () => {
    expect(await answer({ confidenceThreshold: 0.7 })).toEqual(layout === 'end2end' ? ['person:0.855', 'person:0.765'] : ['person:0.855']);
    expect(await answer({ classes: ['dog', 'car'] })).toEqual(['dog:0.63']);
    expect(await answer({ classes: ['dog', 'car'], confidenceThreshold: 0.15 })).toEqual(['dog:0.63', 'car:0.2']);
    expect(await answer({ maxDetections: 2 })).toEqual(layout === 'end2end' ? ['person:0.855', 'person:0.765'] : ['person:0.855', 'bus:0.64']);
    expect(await answer({ iouThreshold: 0.1 })).toEqual(layout === 'end2end' ? ['person:0.855', 'person:0.765', 'bus:0.64', 'dog:0.63'] : ['person:0.855', 'bus:0.64', 'dog:0.63']);
  });
});

describe('YoloDetector with a dynamic YOLOv8 export (dynamic=True)', () => {
  it('runs at the stride-multiple rectangle, as a dynamic YOLOv5 export does, and maps boxes from it', async () => {
    const model = await load('yolov8-dynamic.onnx', makeFixedOutputModel({ rows: [rows[0]], input: 'dynamic', layout: 'yolov8' }));
    expect(model.contract).toMatchObject({ headLayout: 'yolov8', inputHeight: null, inputWidth: null });
    const outcome = await new YoloDetector(model).detect(readFileSync(join(corpus, 'photos/zidane.jpg')), DEFAULT_DETECT_OPTIONS);
    // 1280x720 → 640x384 input; gain 0.5, padding (384 - 360) / 2 = 12 rows on top.
    expect(outcome.input).toEqual({ width: 640, height: 384 });
    expect(outcome.detections).toEqual([{ x_min: 440, y_min: 316, x_max: 840, y_max: 720, class_name: 'person', confidence: 0.855 }]);
    await model.session.release();
  });
});

describe('loadYoloModel', () => {
  it('refuses an Ultralytics model of another task than detect, naming it', async () => {
    await expect(load('seg.onnx', makeFixedOutputModel({ rows: [], layout: 'yolov8', metadata: { task: 'segment' } }))).rejects.toThrow(
      /seg\.onnx is an Ultralytics "segment" model: only detection models \(task "detect"\) are served/,
    );
  });


  it('fails with the file name and the mismatch for a model that breaks the contract', async () => {
    await expect(load('columns.onnx', makeContractBreakingModel('output-columns'))).rejects.toThrow(/columns\.onnx does not have the YOLOv5 export contract: output "output0" has \d+ columns/);
    await expect(load('rank.onnx', makeContractBreakingModel('input-rank'))).rejects.toThrow(/rank\.onnx .*must be \[1,3,H,W\]/);
  });

  it('fails with the file name for a file ONNX Runtime cannot load', async () => {
    const bytes = makeFixedOutputModel({ rows: [] });
    await expect(load('cut.onnx', bytes.subarray(0, 4096))).rejects.toThrow(/cut\.onnx/);
  });
});

describe('YoloDetector taking several images at once (a runner pipelines decoding and inference)', () => {
  it('gives each image the answer it gets alone: the tensor stage, with its reused buffer, takes turns', async () => {
    const model = await loadYoloModel(resolve(__dirname, '../../../../shared/models/yolov5n.onnx'));
    try {
      const detector = new YoloDetector(model);
      const bitmaps = await Promise.all(['photos/bus.jpg', 'photos/zidane.jpg'].map((file) => decodeImage(readFileSync(join(corpus, file)))));
      const alone = [];
      for (const bitmap of bitmaps) alone.push((await detector.processBitmap(bitmap, DEFAULT_DETECT_OPTIONS)).detections);
      // Both calls start before either runs: without turns the second would letterbox over the first one's input.
      const together = await Promise.all(bitmaps.map((bitmap) => detector.processBitmap(bitmap, DEFAULT_DETECT_OPTIONS)));
      expect(together.map((outcome) => outcome.detections)).toEqual(alone);
      expect(alone[0]).not.toEqual(alone[1]);
    } finally {
      await model.session.release();
    }
  });
});
