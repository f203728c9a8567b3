import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { decodeOnnxModel, encodeOnnxModel, floatValues, generateModelFiles, makeFixedOutputModel, makeYolov5ShapeFlexible, OnnxModel } from '@app/onnx-writer';
import { ActivationRangeCollector, nameUnnamedNodes, planQuantization, quantizeModel, withTensorsAsOutputs } from '@app/quantize';
import { decodeImage } from './image-decoder';
import { dynamicInputSize, InputSize, planLetterbox } from './letterbox';
import { letterboxToTensor } from './letterbox-tensor';
import { probeModelFile } from './model-probe';
import { decideModelShape, prepareModelShape } from './shape-policy';
import { detectorSessionOptions, loadYoloModel } from './yolo-session';

/**
 * The in-memory rewrite of static YOLOv5 exports (makeYolov5ShapeFlexible) checked against the real files of
 * ../shared/models: real photos, letterboxed as the service does, through ONNX Runtime with the service's options.
 */
const SHARED = resolve(__dirname, '../../../../shared');
const MODELS = join(SHARED, 'models');
const STATIC = join(MODELS, 'yolov5n.onnx');
const DYNAMIC = join(MODELS, 'yolov5n-dynamic.onnx');
const SQUARE: InputSize = { height: 640, width: 640 };
const dir = mkdtempSync(join(tmpdir(), 'shape-flexible-'));

jest.setTimeout(180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readModel = (file: string) => decodeOnnxModel(readFileSync(file));
const session = (model: string | OnnxModel) =>
  typeof model === 'string' ? InferenceSession.create(model, detectorSessionOptions(2)) : InferenceSession.create(encodeOnnxModel(model), detectorSessionOptions(2));
function rewritten(file: string): OnnxModel {
  const model = readModel(file);
  expect(makeYolov5ShapeFlexible(model)).toEqual({ rewritten: true, levels: 3 });
  return model;
}

/** A corpus photo letterboxed into `input` (AutoShape's rectangle when omitted), as the detector prepares it. */
async function photoTensor(photo: string, input?: InputSize): Promise<Tensor> {
  const bytes = readFileSync(join(SHARED, 'corpus/photos', photo));
  const shapeFor = (image: InputSize) => input ?? dynamicInputSize(image, 640, 32);
  const bitmap = await decodeImage(bytes, { channels: 3, resampleTo: (image) => planLetterbox(image, shapeFor(image)).resized });
  const shape = shapeFor(bitmap.fullSize);
  const data = letterboxToTensor(bitmap, planLetterbox(bitmap.fullSize, shape), new Float32Array(3 * shape.height * shape.width));
  return new Tensor('float32', data, [1, 3, shape.height, shape.width]);
}

async function run(model: InferenceSession, input: Tensor, outputs: string[] = ['output0']): Promise<Record<string, Tensor>> {
  return model.run({ images: input }, outputs);
}

function maxAbsDifference(a: Tensor, b: Tensor): number {
  expect(a.dims).toEqual(b.dims);
  const [x, y] = [a.data as Float32Array, b.data as Float32Array];
  let largest = 0;
  for (let i = 0; i < x.length; i++) largest = Math.max(largest, Math.abs(x[i] - y[i]));
  return largest;
}

/** Each Detect level's anchors (w, h per anchor), read from the original file's anchor-grid constant at cell (0, 0). */
function anchorsOfFile(file: string): number[][] {
  const graph = readModel(file).graph;
  const constants = new Map(graph.node.filter((node) => node.opType === 'Constant').map((node) => [node.output[0], node.attribute[0].t!]));
  return graph.node
    .filter((node) => node.opType === 'Mul' && node.input.some((name) => constants.get(name)?.dims.length === 5))
    .map((node) => {
      const tensor = constants.get(node.input.find((name) => constants.has(name))!)!;
      const [, anchors, ny, nx] = tensor.dims.map(Number);
      const values = floatValues(tensor);
      return Array.from({ length: anchors }, (_, a) => [...values.subarray(a * ny * nx * 2, a * ny * nx * 2 + 2)]).flat();
    });
}

/** The head's sigmoid maps [1, na, ny, nx, no], one per level in output order. */
const headSigmoids = (model: OnnxModel) =>
  model.graph.node.filter((node) => node.opType === 'Sigmoid' && model.graph.node.some((other) => other.opType === 'Transpose' && other.output[0] === node.input[0])).map((node) => node.output[0]);

/**
 * Runs `model` at the input's shape and decodes its head's sigmoid maps by YOLOv5 v7.0's formula, independently of
 * the graph: xy = (2σ − 0.5 + cell) · stride, wh = (2σ)² · anchor. Returns the largest difference from output0.
 */
async function decodeCheck(model: OnnxModel, anchors: number[][], input: Tensor): Promise<number> {
  const sigmoids = headSigmoids(model);
  expect(sigmoids).toHaveLength(3);
  const outputs = await run(await session(withTensorsAsOutputs(model, sigmoids)), input, ['output0', ...sigmoids]);
  const rows = outputs.output0.data as Float32Array;
  const [, , rowLength] = outputs.output0.dims;
  let row = 0;
  let largest = 0;
  sigmoids.forEach((name, level) => {
    const [, na, ny, nx, no] = outputs[name].dims;
    expect(no).toBe(rowLength);
    const stride = input.dims[2] / ny;
    const map = outputs[name].data as Float32Array;
    for (let a = 0; a < na; a++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++, row++) {
          const s = (c: number) => map[(((a * ny + y) * nx + x) * no) + c];
          const expected = [(2 * s(0) - 0.5 + x) * stride, (2 * s(1) - 0.5 + y) * stride, (2 * s(2)) ** 2 * anchors[level][2 * a], (2 * s(3)) ** 2 * anchors[level][2 * a + 1]];
          for (let c = 0; c < no; c++) largest = Math.max(largest, Math.abs(rows[row * no + c] - (c < 4 ? expected[c] : s(c))));
        }
      }
    }
  });
  expect(row * rowLength).toBe(rows.length);
  return largest;
}

describe('makeYolov5ShapeFlexible with the official-type yolov5n.onnx (static 1x3x640x640)', () => {
  let flexible: InferenceSession;
  let original: InferenceSession;
  let dynamic: InferenceSession;
  let model: OnnxModel;
  beforeAll(async () => {
    model = rewritten(STATIC);
    [flexible, original, dynamic] = await Promise.all([session(model), session(STATIC), session(DYNAMIC)]);
  });
  afterAll(() => Promise.all([flexible, original, dynamic].map((each) => each?.release())));

  it('makes the input [1, 3, height, width] and the output [1, anchors, 85]; the fixed constants are gone', () => {
    expect(model.graph.input[0].type.tensorType.shape!.dim).toEqual([{ dimValue: 1 }, { dimValue: 3 }, { dimParam: 'height' }, { dimParam: 'width' }]);
    expect(model.graph.output[0].type.tensorType.shape!.dim).toEqual([{ dimValue: 1 }, { dimParam: 'anchors' }, { dimValue: 85 }]);
    const fiveD = model.graph.node.filter((node) => node.opType === 'Constant' && node.attribute[0].t?.dims.length === 5);
    expect(fiveD).toEqual([]);
  });

  it("gives the static file's outputs at 640×640 on bus.jpg and zidane.jpg (max abs difference 0)", async () => {
    for (const photo of ['bus.jpg', 'zidane.jpg']) {
      const input = await photoTensor(photo, SQUARE);
      expect(maxAbsDifference((await run(flexible, input)).output0, (await run(original, input)).output0)).toBe(0);
    }
  });

  it.each([
    ['bus.jpg', { height: 640, width: 480 }],
    ['zidane.jpg', { height: 384, width: 640 }],
    ['phone_size_4032x2688.jpg', { height: 448, width: 640 }],
  ])("gives yolov5n-dynamic.onnx's outputs on %s at AutoShape's %o (max abs difference 0)", async (photo, shape) => {
    const input = await photoTensor(photo);
    expect(input.dims).toEqual([1, 3, shape.height, shape.width]);
    const [ours, reference] = [(await run(flexible, input)).output0, (await run(dynamic, input)).output0];
    expect(ours.dims).toEqual([1, 3 * (shape.height * shape.width) / (8 * 8) * (1 + 1 / 4 + 1 / 16), 85]);
    expect(maxAbsDifference(ours, reference)).toBe(0);
  });
});

describe.each([
  ['custom/duckietown-yolov5n.onnx', 4],
  ['custom/waste-yolov5n.onnx', 2],
])('makeYolov5ShapeFlexible with the static custom export %s (%d classes)', (name, classes) => {
  const file = join(MODELS, name);

  it("gives the static file's outputs at 640×640 (max abs difference 0) and decodes by YOLOv5's formula at 384×640 (max abs difference < 1e-3 px)", async () => {
    const model = rewritten(file);
    const [flexible, original] = await Promise.all([session(model), session(file)]);
    try {
      const square = await photoTensor('zidane.jpg', SQUARE);
      expect(maxAbsDifference((await run(flexible, square)).output0, (await run(original, square)).output0)).toBe(0);
      const rectangle = await photoTensor('zidane.jpg');
      expect(rectangle.dims).toEqual([1, 3, 384, 640]);
      const output = (await run(flexible, rectangle)).output0;
      expect(output.dims).toEqual([1, 15120, 5 + classes]);
      expect(await decodeCheck(model, anchorsOfFile(file), rectangle)).toBeLessThan(1e-3);
    } finally {
      await Promise.all([flexible.release(), original.release()]);
    }
  });
});

describe('makeYolov5ShapeFlexible with an INT8 twin (QDQ, as npm run models:quantize writes it)', () => {
  it("gives the twin's own outputs at 640×640 (max abs difference 0) and decodes by YOLOv5's formula at 640×480 (max abs difference < 1e-3 px)", async () => {
    // Quantized here as models:quantize does, calibrated on one photo (the ranges matter little: the head is what is rewritten).
    const float = readModel(STATIC);
    nameUnnamedNodes(float.graph);
    const plan = planQuantization(float.graph);
    const calibration = await session(withTensorsAsOutputs(float, plan.activations));
    const collector = new ActivationRangeCollector();
    const activations = await calibration.run({ images: await photoTensor('bus.jpg', SQUARE) }, plan.activations);
    for (const tensor of plan.activations) collector.add(tensor, activations[tensor].data as Float32Array);
    await calibration.release();
    const ranges = new Map(plan.activations.map((tensor) => [tensor, collector.range(tensor)]));
    const twinFile = join(dir, 'yolov5n-int8.onnx');
    writeFileSync(twinFile, encodeOnnxModel(quantizeModel(float, plan, ranges, { calibration: { method: 'percentile', images: 1 } })));

    const model = rewritten(twinFile);
    expect(model.graph.node.some((node) => node.opType === 'QuantizeLinear')).toBe(true);
    // The probe decides from the graph without its weights, and comes to the same.
    expect(await decideModelShape(twinFile, [1, 3, 640, 640], 'rectangular')).toEqual({ policy: 'rectangular', reason: 'static-export-rewritten' });
    const [flexible, original] = await Promise.all([session(model), session(twinFile)]);
    try {
      const square = await photoTensor('bus.jpg', SQUARE);
      expect(maxAbsDifference((await run(flexible, square)).output0, (await run(original, square)).output0)).toBe(0);
      const rectangle = await photoTensor('bus.jpg');
      expect(rectangle.dims).toEqual([1, 3, 640, 480]);
      expect(await decodeCheck(model, anchorsOfFile(STATIC), rectangle)).toBeLessThan(1e-3);
    } finally {
      await Promise.all([flexible.release(), original.release()]);
    }
  });
});

describe('the random-weight static files of npm run models:generate (the official export\'s Detect head)', () => {
  let flexible: InferenceSession;
  let original: InferenceSession;
  let dynamic: InferenceSession;
  beforeAll(async () => {
    const options = { models: ['yolov5s' as const], seed: 7 };
    const [[staticFile], [dynamicFile]] = await Promise.all([
      generateModelFiles({ ...options, outDir: join(dir, 'generated-static') }),
      generateModelFiles({ ...options, outDir: join(dir, 'generated-dynamic'), dynamic: true }),
    ]);
    const prepared = await prepareModelShape(staticFile.path, [1, 3, 640, 640], 'rectangular');
    expect(prepared.shape).toEqual({ policy: 'rectangular', reason: 'static-export-rewritten' });
    [flexible, original, dynamic] = await Promise.all([InferenceSession.create(prepared.bytes!, detectorSessionOptions(2)), session(staticFile.path), session(dynamicFile.path)]);
  });
  afterAll(() => Promise.all([flexible, original, dynamic].map((each) => each?.release())));

  it("rewritten, gives the static file's outputs at 640×640 on bus.jpg (max abs difference 0)", async () => {
    const input = await photoTensor('bus.jpg', SQUARE);
    expect(maxAbsDifference((await run(flexible, input)).output0, (await run(original, input)).output0)).toBe(0);
  });

  it('rewritten, gives the dynamic file of the same seed\'s outputs on bus.jpg at 640×480 (max abs difference 0)', async () => {
    const input = await photoTensor('bus.jpg');
    expect(input.dims).toEqual([1, 3, 640, 480]);
    const [ours, reference] = [(await run(flexible, input)).output0, (await run(dynamic, input)).output0];
    expect(ours.dims).toEqual([1, 18900, 85]);
    expect(maxAbsDifference(ours, reference)).toBe(0);
  });
});

describe('a graph the rewrite does not recognise', () => {
  it('is left untouched, with the reason', () => {
    const model = decodeOnnxModel(makeFixedOutputModel({ rows: [] }));
    const before = Buffer.from(encodeOnnxModel(model));
    const outcome = makeYolov5ShapeFlexible(model);
    expect(outcome).toEqual({ rewritten: false, reason: expect.stringMatching(/^no YOLOv5 Detect head/) });
    expect(Buffer.from(encodeOnnxModel(model)).equals(before)).toBe(true);
  });

  it('an Ultralytics YOLOv8 export (another head layout) is not taken for a YOLOv5 one', () => {
    const model = readModel(join(MODELS, 'ultralytics/yolov8n-int8-dynamic.onnx'));
    expect(makeYolov5ShapeFlexible(model)).toEqual({ rewritten: false, reason: expect.stringMatching(/^Reshape .* to the fixed shape \[1, -1, 1, 1\] is not a Detect head's$/) });
  });
});

describe('the shape policy of loadYoloModel and probeModelFile', () => {
  const fixture = join(dir, 'fixture.onnx');
  beforeAll(() => writeFileSync(fixture, makeFixedOutputModel({ rows: [] })));

  it.each([
    ['yolov5n.onnx', 'rectangular', { policy: 'rectangular', reason: 'static-export-rewritten' }, null],
    ['yolov5n.onnx', 'fixed', { policy: 'fixed', reason: 'pinned-by-config' }, 640],
    ['yolov5n-dynamic.onnx', 'rectangular', { policy: 'rectangular', reason: 'dynamic-export' }, null],
    ['a fixed-output fixture', 'rectangular', { policy: 'fixed', reason: 'graph-not-recognised', detail: expect.stringMatching(/^no YOLOv5 Detect head/) }, 640],
  ] as const)('%s asked %s runs %o (input height %s)', async (name, requested, shape, height) => {
    const file = name === 'a fixed-output fixture' ? fixture : join(MODELS, name);
    const loaded = await loadYoloModel(file, { intraOpNumThreads: 1 }, requested);
    try {
      expect(loaded.shape).toEqual(shape);
      expect(loaded.contract.inputHeight).toBe(height);
      expect((await probeModelFile(file, requested)).shape).toEqual(shape);
    } finally {
      await loaded.session.release();
    }
  });
});
