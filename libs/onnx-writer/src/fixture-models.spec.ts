import * as ort from 'onnxruntime-node';
import { COCO_CLASS_NAMES } from '@app/vision/coco-names';
import { checkModelContract, ModelContractError } from '@app/vision/model-contract';
import { parseNamesMetadata } from '@app/vision/onnx-metadata';
import {
  CONTRACT_BREAKS,
  ContractBreak,
  FIXTURE_MARK_CLASS,
  fixtureMarkConfidence,
  fixtureMarkRow,
  FixtureRow,
  makeContractBreakingModel,
  makeFixedOutputModel,
  END2END_ROWS,
  yolov8AnchorCount,
} from './fixture-models';
import { yoloRowCount } from './yolov5-architecture';
import { OnnxProto } from './onnx-proto';

/** What a YOLOv5 export of the COCO classes says about its head. */
const YOLOV5_COCO = { names: COCO_CLASS_NAMES, namesFromFile: true, task: null, end2end: null };

const ROWS: FixtureRow[] = [
  { cx: 320.5, cy: 200.25, w: 100, h: 180.75, objectness: 0.9, classIndex: 0, classScore: 0.8 },
  { cx: 10, cy: 630, w: 20, h: 19.5, objectness: 0.55, classIndex: 79, classScore: 0.7 },
  { cx: 500, cy: 100, w: 64, h: 32, objectness: 0.3, classIndex: 16, classScore: 0.95 },
];

function metadataOf(bytes: Uint8Array): Record<string, string> {
  const model = OnnxProto.ModelProto.toObject(OnnxProto.ModelProto.decode(bytes)) as {
    metadataProps: { key: string; value: string }[];
  };
  return Object.fromEntries(model.metadataProps.map(({ key, value }) => [key, value]));
}

function randomImage(height: number, width: number): ort.Tensor {
  const data = new Float32Array(3 * height * width);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 256) / 255;
  return new ort.Tensor('float32', data, [1, 3, height, width]);
}

async function runModel(bytes: Uint8Array, image: ort.Tensor): Promise<{ session: ort.InferenceSession; output: ort.Tensor }> {
  const session = await ort.InferenceSession.create(bytes);
  const result = await session.run({ images: image });
  return { session, output: result.output0 };
}

/** The fixture rows as the output table should hold them: 5 + nc columns, one class score set. */
function expectedRow(row: FixtureRow, classes: number): Float32Array {
  const expected = new Float32Array(5 + classes);
  expected.set([row.cx, row.cy, row.w, row.h, row.objectness]);
  expected[5 + row.classIndex] = row.classScore;
  return expected;
}

function expectTable(output: ort.Tensor, rows: readonly FixtureRow[], classes: number): void {
  const data = output.data as Float32Array;
  const columns = 5 + classes;
  rows.forEach((row, r) => expect(data.subarray(r * columns, (r + 1) * columns)).toEqual(expectedRow(row, classes)));
  expect(countNonZero(data.subarray(rows.length * columns))).toBe(0);
}

function countNonZero(values: Float32Array): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) count++;
  return count;
}

/** Byte equality: jest's deep equality is too slow for 2 M-value tensors. */
function sameValues(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('fixture models', () => {
  it('yoloRowCount gives YOLOv5 row counts', () => {
    expect(yoloRowCount(640, 640)).toBe(25200);
    expect(yoloRowCount(480, 640)).toBe(18900);
  });

  it('makeFixedOutputModel (640x640) outputs the given rows then zeros, whatever the image', async () => {
    const bytes = makeFixedOutputModel({ rows: ROWS });
    const { session, output } = await runModel(bytes, randomImage(640, 640));
    expect(output.dims).toEqual([1, 25200, 85]);
    expect(output.type).toBe('float32');
    expectTable(output, ROWS, 80);
    expect(session.inputNames).toEqual(['images']);
    expect(session.outputNames).toEqual(['output0']);
    expect(session.inputMetadata[0]).toMatchObject({ isTensor: true, type: 'float32', shape: [1, 3, 640, 640] });

    const zeros = await session.run({ images: new ort.Tensor('float32', new Float32Array(3 * 640 * 640), [1, 3, 640, 640]) });
    expect(sameValues(zeros.output0.data as Float32Array, output.data as Float32Array)).toBe(true);
  });

  it('writes the ultralytics metadata (stride, names as a Python dict repr)', () => {
    const metadata = metadataOf(makeFixedOutputModel({ rows: [] }));
    expect(metadata.stride).toBe('32');
    expect(metadata.names.startsWith("{0: 'person', 1: 'bicycle', 2: 'car',")).toBe(true);
    expect(metadata.names.endsWith("78: 'hair drier', 79: 'toothbrush'}")).toBe(true);
    expect(parseNamesMetadata(metadata.names)).toEqual([...COCO_CLASS_NAMES]);
  });

  it('sizes the output for a fixed non-square input, custom names and stride', async () => {
    const names = ['cat', "it's", 'say "hi"', 'back\\slash'];
    const rows = [{ cx: 1, cy: 2, w: 3, h: 4, objectness: 0.5, classIndex: 3, classScore: 0.25 }];
    const bytes = makeFixedOutputModel({ rows, input: { height: 320, width: 480 }, names, stride: 64 });
    const { output } = await runModel(bytes, randomImage(320, 480));
    expect(output.dims).toEqual([1, yoloRowCount(320, 480), 9]);
    expectTable(output, rows, names.length);
    const metadata = metadataOf(bytes);
    expect(metadata.stride).toBe('64');
    expect(metadata.names).toBe(`{0: 'cat', 1: "it's", 2: 'say "hi"', 3: 'back\\\\slash'}`);
    expect(parseNamesMetadata(metadata.names)).toEqual(names);
  });

  it('dynamic input accepts any image size and keeps a fixed row table', async () => {
    const bytes = makeFixedOutputModel({ rows: ROWS, input: 'dynamic', numRows: 100 });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputMetadata[0]).toMatchObject({ shape: [1, 3, 'height', 'width'] });
    for (const [height, width] of [[480, 640], [320, 320]]) {
      const { output0 } = await session.run({ images: randomImage(height, width) });
      expect(output0.dims).toEqual([1, 100, 85]);
      expectTable(output0, ROWS, 80);
    }
  });

  it('writes the YOLOv8 layout: [1, 4 + nc, anchors] anchor-minor, score objectness × classScore, Ultralytics metadata', async () => {
    const bytes = makeFixedOutputModel({ rows: ROWS, layout: 'yolov8' });
    const { session, output } = await runModel(bytes, randomImage(640, 640));
    expect(output.dims).toEqual([1, 84, 8400]);
    expect(yolov8AnchorCount(640, 640)).toBe(8400);
    const data = output.data as Float32Array;
    ROWS.forEach((row, anchor) => {
      const column = Array.from({ length: 84 }, (_, value) => data[value * 8400 + anchor]);
      const expected = new Array(84).fill(0);
      expected.splice(0, 4, row.cx, row.cy, row.w, row.h);
      expected[4 + row.classIndex] = Math.fround(row.objectness * row.classScore);
      expect(column).toEqual(expected);
    });
    expect(countNonZero(data)).toBe(ROWS.length * 5);
    expect(metadataOf(bytes)).toMatchObject({ task: 'detect', end2end: 'False', imgsz: '[640, 640]', stride: '32' });
    await session.release();
  });

  it('writes the end-to-end layout: [1, 300, 6] corner rows with score and class, zero padding after them', async () => {
    const bytes = makeFixedOutputModel({ rows: ROWS, layout: 'end2end', input: { height: 320, width: 480 } });
    const { session, output } = await runModel(bytes, randomImage(320, 480));
    expect(output.dims).toEqual([1, END2END_ROWS, 6]);
    const data = output.data as Float32Array;
    ROWS.forEach((row, r) =>
      expect(data.subarray(r * 6, (r + 1) * 6)).toEqual(
        Float32Array.from([row.cx - row.w / 2, row.cy - row.h / 2, row.cx + row.w / 2, row.cy + row.h / 2, row.objectness * row.classScore, row.classIndex]),
      ),
    );
    expect(countNonZero(data.subarray(ROWS.length * 6))).toBe(0);
    expect(metadataOf(bytes)).toMatchObject({ task: 'detect', end2end: 'True', imgsz: '[320, 480]' });
    await session.release();
  });

  it('metadata option adds entries and null removes a default one', () => {
    const metadata = metadataOf(makeFixedOutputModel({ rows: [], numRows: 1, metadata: { names: null, author: 'test' } }));
    expect(metadata).toEqual({ stride: '32', author: 'test' });
  });

  it('gives each mark its own weak row of the mark class, below the lowest threshold the service and page use', () => {
    const marks = [0, 1, 2, 38].map(fixtureMarkRow);
    expect(marks.map((row) => row.objectness * row.classScore)).toEqual([0.011, 0.012, 0.013, 0.049]);
    expect(marks.every((row) => COCO_CLASS_NAMES[row.classIndex] === FIXTURE_MARK_CLASS)).toBe(true);
    expect(fixtureMarkConfidence(2)).toBe(0.013);
    expect(() => fixtureMarkRow(39)).toThrow(/outside 0..38/);
    expect(() => fixtureMarkRow(-1)).toThrow(/outside/);
  });

  it('rejects rows that do not fit the table', () => {
    expect(() => makeFixedOutputModel({ rows: ROWS, numRows: 2 })).toThrow(/do not fit/);
    expect(() => makeFixedOutputModel({ rows: [{ ...ROWS[0], classIndex: 80 }] })).toThrow(/class index 80/);
  });

  it('the valid fixture passes the service contract check', async () => {
    const session = await ort.InferenceSession.create(makeFixedOutputModel({ rows: [] }));
    expect(() => checkModelContract('ok.onnx', session.inputMetadata, session.outputMetadata, YOLOV5_COCO)).not.toThrow();
  });

  const BROKEN_SIGNATURES: Record<ContractBreak, { inputs?: object[]; output?: object }> = {
    'input-count': { inputs: [{ name: 'images' }, { shape: [1] }] },
    'input-type': { inputs: [{ type: 'uint8', shape: [1, 3, 640, 640] }] },
    'input-rank': { inputs: [{ shape: [3, 640, 640] }] },
    'input-channels': { inputs: [{ shape: [1, 1, 640, 640] }] },
    'input-batch': { inputs: [{ shape: [2, 3, 640, 640] }] },
    'input-mixed-dims': { inputs: [{ shape: [1, 3, 'height', 640] }] },
    'output-type': { output: { type: 'float64', shape: [1, 25200, 85] } },
    'output-rank': { output: { shape: [25200, 85] } },
    'output-columns': { output: { shape: [1, 25200, 84] } },
  };

  it.each(CONTRACT_BREAKS)('contract-breaking model "%s" loads and runs in ORT but fails the contract check', async (kind) => {
    const session = await ort.InferenceSession.create(makeContractBreakingModel(kind));
    const expected = BROKEN_SIGNATURES[kind];
    if (expected.inputs) expect(session.inputMetadata).toMatchObject(expected.inputs);
    if (expected.output) expect(session.outputMetadata).toMatchObject([{ name: 'output0', ...expected.output }]);
    const feeds = Object.fromEntries(
      session.inputMetadata.map((input) => {
        if (!input.isTensor) throw new Error('fixture inputs are tensors');
        const shape = input.shape.map((d) => (typeof d === 'number' ? d : 640));
        const size = shape.reduce((a, b) => a * b, 1);
        const tensor = input.type === 'uint8' ? new ort.Tensor('uint8', new Uint8Array(size), shape) : new ort.Tensor('float32', new Float32Array(size), shape);
        return [input.name, tensor];
      }),
    );
    const result = await session.run(feeds);
    expect(result.output0).toBeDefined();
    expect(() => checkModelContract(`${kind}.onnx`, session.inputMetadata, session.outputMetadata, YOLOV5_COCO)).toThrow(
      ModelContractError,
    );
  });
});
