import { COCO_CLASS_NAMES } from '@app/vision/coco-names';
import type { HeadLayout } from '@app/vision/model-contract';
import { Attr, Dim, OnnxGraphBuilder } from './graph-builder';
import { formatNamesMetadata } from './names-metadata';
import { OnnxDataType } from './onnx-proto';
import { yoloRowCount } from './yolov5-architecture';

/**
 * Tiny ONNX models with a YOLO export contract (any head layout) whose output is a fixed table, so tests can assert
 * exact detections. The image is still consumed (output = table + 0 * mean(images)) so ONNX Runtime keeps the input.
 */

/**
 * One detection row, in model-input pixels (after letterbox); scores are probabilities (already sigmoid-ed). The
 * layouts without objectness (yolov8, end2end) get objectness × classScore as the row's score, so that every layout
 * answers the same confidences.
 */
export interface FixtureRow {
  cx: number;
  cy: number;
  w: number;
  h: number;
  objectness: number;
  classIndex: number;
  classScore: number;
}

/** The tables the tests' fixture models answer with, whatever the image. */
export const FIXTURE_ROWS: Record<'static' | 'dynamic', readonly FixtureRow[]> = {
  // 640x640 input. Person A and a heavily overlapping person B (suppressed by NMS); a bus overlapping A (other
  // class, kept); a dog across the left border; a row under the confidence threshold; a row with low objectness.
  static: [
    { cx: 320, cy: 320, w: 200, h: 300, objectness: 0.9, classIndex: 0, classScore: 0.95 },
    { cx: 330, cy: 325, w: 200, h: 300, objectness: 0.85, classIndex: 0, classScore: 0.9 },
    { cx: 340, cy: 330, w: 220, h: 280, objectness: 0.8, classIndex: 5, classScore: 0.8 },
    { cx: 10, cy: 400, w: 60, h: 40, objectness: 0.7, classIndex: 16, classScore: 0.9 },
    { cx: 500, cy: 500, w: 40, h: 40, objectness: 0.5, classIndex: 2, classScore: 0.4 },
    { cx: 200, cy: 200, w: 40, h: 40, objectness: 0.2, classIndex: 3, classScore: 0.99 },
  ],
  // Dynamic H/W: the table is the same whatever the input size; boxes sit in the top-left 480x480.
  dynamic: [
    { cx: 240, cy: 240, w: 160, h: 200, objectness: 0.95, classIndex: 0, classScore: 0.9 },
    { cx: 460, cy: 20, w: 60, h: 60, objectness: 0.9, classIndex: 2, classScore: 0.8 },
  ],
};

/**
 * The e2e fixture models of different names share FIXTURE_ROWS, so that any of them gives the same expected boxes;
 * each also carries a mark of its own, so a test can tell which model answered: one weak row whose confidence,
 * (11 + index) / 1000, sits below the service's and the page's lowest thresholds (0.25 and 0.05). A request with
 * confidence_threshold 0.01 and classes ['toothbrush'] sees only the mark.
 */
export const FIXTURE_MARK_CLASS = 'toothbrush';
export const fixtureMarkConfidence = (index: number) => (11 + index) / 1000;

export function fixtureMarkRow(index: number): FixtureRow {
  if (!(Number.isInteger(index) && index >= 0 && index < 39)) throw new Error(`fixture mark ${index} is outside 0..38 (confidence 0.011..0.049)`);
  return { cx: 100, cy: 100, w: 40, h: 40, objectness: 1, classIndex: COCO_CLASS_NAMES.indexOf(FIXTURE_MARK_CLASS), classScore: fixtureMarkConfidence(index) };
}

export interface FixedOutputModelOptions {
  rows: readonly FixtureRow[];
  /** Fixed input size (default 640x640), or 'dynamic' for input dims [1,3,'height','width']. */
  input?: { height: number; width: number } | 'dynamic';
  /** Rows in the output; default: the YOLOv5 row count for the fixed input size, 25200 when dynamic. */
  numRows?: number;
  /** Class names; sets the column count (5 + names.length) and the `names` metadata. Default: COCO. */
  names?: readonly string[];
  stride?: number;
  /** Extra metadata_props; a null value removes a default entry (`names`, `stride`, or the Ultralytics ones). */
  metadata?: Record<string, string | null>;
  /**
   * The head layout written (default yolov5): yolov8 is [1, 4 + nc, anchors] (8400 at 640x640), end2end [1, 300, 6]
   * (rows as given, no suppression between them); both carry the Ultralytics metadata (`task`, `end2end`, `imgsz`).
   */
  layout?: HeadLayout;
}

/** YOLOv8's anchor points for an input size: one per cell at strides 8, 16 and 32. */
export function yolov8AnchorCount(height: number, width: number): number {
  return [8, 16, 32].reduce((sum, stride) => sum + (height / stride) * (width / stride), 0);
}

/** Boxes an Ultralytics end-to-end export answers (its max_det). */
export const END2END_ROWS = 300;

/** The names of the ways a fixture can break the "input [1,3,H,W] float32, output [1,N,5+nc] float32" contract. */
export const CONTRACT_BREAKS = [
  'input-count',
  'input-type',
  'input-rank',
  'input-channels',
  'input-batch',
  'input-mixed-dims',
  'output-type',
  'output-rank',
  'output-columns',
] as const;
export type ContractBreak = (typeof CONTRACT_BREAKS)[number];

export const FIXTURE_INPUT_NAME = 'images';
export const FIXTURE_OUTPUT_NAME = 'output0';
const DEFAULT_INPUT_SIZE = 640;

export function makeFixedOutputModel(options: FixedOutputModelOptions): Uint8Array {
  const names = options.names ?? COCO_CLASS_NAMES;
  const input = options.input ?? { height: DEFAULT_INPUT_SIZE, width: DEFAULT_INPUT_SIZE };
  const layout = options.layout ?? 'yolov5';
  const size = input === 'dynamic' ? { height: DEFAULT_INPUT_SIZE, width: DEFAULT_INPUT_SIZE } : input;
  const defaultRows = { yolov5: yoloRowCount(size.height, size.width), yolov8: yolov8AnchorCount(size.height, size.width), end2end: END2END_ROWS }[layout];
  const numRows = options.numRows ?? defaultRows;
  const table = { yolov5: fixtureTable, yolov8: yolov8FixtureTable, end2end: end2endFixtureTable }[layout](options.rows, numRows, names.length);
  const outputDims = { yolov5: [1, numRows, 5 + names.length], yolov8: [1, 4 + names.length, numRows], end2end: [1, numRows, 6] }[layout];
  const ultralytics: Record<string, string> = layout === 'yolov5' ? {} : { task: 'detect', end2end: layout === 'end2end' ? 'True' : 'False', imgsz: `[${size.height}, ${size.width}]` };
  return buildConstantOutputModel({
    inputs: [{ elemType: OnnxDataType.FLOAT, dims: input === 'dynamic' ? [1, 3, 'height', 'width'] : [1, 3, input.height, input.width] }],
    outputElemType: OnnxDataType.FLOAT,
    outputDims,
    table,
    metadata: {
      stride: String(options.stride ?? 32),
      names: formatNamesMetadata(names),
      ...ultralytics,
      ...options.metadata,
    },
  });
}

/** A fixture that breaks one named part of the YOLOv5 contract and is otherwise valid (640x640, COCO names). */
export function makeContractBreakingModel(kind: ContractBreak): Uint8Array {
  const size = DEFAULT_INPUT_SIZE;
  const rows = yoloRowCount(size, size);
  const columns = 5 + COCO_CLASS_NAMES.length;
  const image = { elemType: OnnxDataType.FLOAT, dims: [1, 3, size, size] as Dim[] };
  const spec: ConstantOutputModelSpec = {
    inputs: [image],
    outputElemType: OnnxDataType.FLOAT,
    outputDims: [1, rows, columns],
    table: new Float32Array(rows * columns),
    metadata: { stride: '32', names: formatNamesMetadata(COCO_CLASS_NAMES) },
  };
  switch (kind) {
    case 'input-count':
      spec.inputs = [image, { elemType: OnnxDataType.FLOAT, dims: [1] }];
      break;
    case 'input-type':
      spec.inputs = [{ ...image, elemType: OnnxDataType.UINT8 }];
      break;
    case 'input-rank':
      spec.inputs = [{ ...image, dims: [3, size, size] }];
      break;
    case 'input-channels':
      spec.inputs = [{ ...image, dims: [1, 1, size, size] }];
      break;
    case 'input-batch':
      spec.inputs = [{ ...image, dims: [2, 3, size, size] }];
      break;
    case 'input-mixed-dims':
      spec.inputs = [{ ...image, dims: [1, 3, 'height', size] }];
      break;
    case 'output-type':
      spec.outputElemType = OnnxDataType.DOUBLE;
      break;
    case 'output-rank':
      spec.outputDims = [rows, columns];
      break;
    case 'output-columns':
      spec.outputDims = [1, rows, columns - 1];
      spec.table = new Float32Array(rows * (columns - 1));
      break;
  }
  return buildConstantOutputModel(spec);
}

function checkFixtureRows(rows: readonly FixtureRow[], numRows: number, classes: number): void {
  if (rows.length > numRows) throw new Error(`${rows.length} fixture rows do not fit in ${numRows} output rows`);
  rows.forEach((row, r) => {
    if (!Number.isInteger(row.classIndex) || row.classIndex < 0 || row.classIndex >= classes) {
      throw new Error(`fixture row ${r}: class index ${row.classIndex} is outside 0..${classes - 1}`);
    }
  });
}

/** [numRows, 5 + classes]: cx, cy, w, h, objectness, class scores. */
function fixtureTable(rows: readonly FixtureRow[], numRows: number, classes: number): Float32Array {
  checkFixtureRows(rows, numRows, classes);
  const columns = 5 + classes;
  const table = new Float32Array(numRows * columns);
  rows.forEach((row, r) => {
    table.set([row.cx, row.cy, row.w, row.h, row.objectness], r * columns);
    table[r * columns + 5 + row.classIndex] = row.classScore;
  });
  return table;
}

/** [4 + classes, numRows]: anchor-minor, as YOLOv8 writes it; the score is objectness × classScore. */
function yolov8FixtureTable(rows: readonly FixtureRow[], numRows: number, classes: number): Float32Array {
  checkFixtureRows(rows, numRows, classes);
  const table = new Float32Array((4 + classes) * numRows);
  rows.forEach((row, anchor) => {
    [row.cx, row.cy, row.w, row.h].forEach((value, i) => (table[i * numRows + anchor] = value));
    table[(4 + row.classIndex) * numRows + anchor] = row.objectness * row.classScore;
  });
  return table;
}

/** [numRows, 6]: x1, y1, x2, y2, objectness × classScore, class; the rest is zero padding, as an export answers. */
function end2endFixtureTable(rows: readonly FixtureRow[], numRows: number, classes: number): Float32Array {
  checkFixtureRows(rows, numRows, classes);
  const table = new Float32Array(numRows * 6);
  rows.forEach((row, r) => {
    table.set([row.cx - row.w / 2, row.cy - row.h / 2, row.cx + row.w / 2, row.cy + row.h / 2, row.objectness * row.classScore, row.classIndex], r * 6);
  });
  return table;
}

interface ConstantOutputModelSpec {
  inputs: { elemType: OnnxDataType; dims: Dim[] }[];
  outputElemType: OnnxDataType;
  outputDims: number[];
  table: Float32Array;
  metadata: Record<string, string | null>;
}

function buildConstantOutputModel(spec: ConstantOutputModelSpec): Uint8Array {
  const graph = new OnnxGraphBuilder({ graphName: 'fixture' });
  const means = spec.inputs.map((input, index) => {
    let tensor = graph.addInput(index === 0 ? FIXTURE_INPUT_NAME : `extra_input_${index}`, input.elemType, input.dims);
    if (input.elemType !== OnnxDataType.FLOAT) tensor = graph.addNode('Cast', [tensor], { to: Attr.int(OnnxDataType.FLOAT) });
    return graph.addNode('ReduceMean', [tensor], { keepdims: Attr.int(0) });
  });
  const inputSum = means.reduce((sum, mean) => graph.addNode('Add', [sum, mean]));
  const zero = graph.addNode('Mul', [inputSum, graph.addFloatConstant('zero', [0], [])]);
  const table = graph.addFloatInitializer('fixed_output', spec.outputDims, spec.table);
  const needsCast = spec.outputElemType !== OnnxDataType.FLOAT;
  const sum = graph.addNode('Add', [table, zero], {}, needsCast ? undefined : FIXTURE_OUTPUT_NAME);
  if (needsCast) graph.addNode('Cast', [sum], { to: Attr.int(spec.outputElemType) }, FIXTURE_OUTPUT_NAME);
  graph.addOutput(FIXTURE_OUTPUT_NAME, spec.outputElemType, spec.outputDims);
  for (const [key, value] of Object.entries(spec.metadata)) if (value !== null) graph.setMetadata(key, value);
  return graph.toBytes();
}
