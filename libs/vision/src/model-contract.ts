/**
 * The YOLO export contracts: input [1,3,H,W] float32 (H/W static or symbolic) and one float32 output whose shape,
 * with the Ultralytics metadata (`task`, `end2end`), says which head layout the file has.
 */

/** Shape of a session input/output as onnxruntime reports it (numbers, or strings for symbolic dimensions). */
export interface TensorSignature {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

/**
 * How the output reads. yolov5: [1, anchors, 5 + nc] (cx, cy, w, h, objectness, class scores); yolov8 (also YOLO11
 * and YOLOv5u): [1, 4 + nc, anchors] (cx, cy, w, h, class scores, no objectness); end2end (`nms=True`, YOLOv10):
 * [1, boxes, 6] (x1, y1, x2, y2, score, class), already selected.
 */
export const HEAD_LAYOUTS = ['yolov5', 'yolov8', 'end2end'] as const;
export type HeadLayout = (typeof HEAD_LAYOUTS)[number];

/** What an export's metadata says about its head (Ultralytics writes `task` and `end2end`; YOLOv5's export.py neither). */
export interface HeadMetadata {
  /** Class names: from the file, or the COCO fallback. */
  names: readonly string[];
  /** False when `names` are the COCO fallback: a mismatch then says the metadata is missing. */
  namesFromFile: boolean;
  task: string | null;
  end2end: boolean | null;
}

export interface ModelContract {
  inputName: string;
  outputName: string;
  /** Fixed input size, or null for a model whose height/width axes are dynamic. */
  inputHeight: number | null;
  inputWidth: number | null;
  numClasses: number;
  headLayout: HeadLayout;
}

/** The contract each layout is checked against, as errors name it. */
const CONTRACT_NAMES: Record<HeadLayout, string> = { yolov5: 'YOLOv5', yolov8: 'YOLOv8', end2end: 'end-to-end (NMS inside)' };

export class ModelContractError extends Error {
  constructor(file: string, mismatch: string, layout: HeadLayout = 'yolov5') {
    super(`${file} does not have the ${CONTRACT_NAMES[layout]} export contract: ${mismatch}`);
    this.name = 'ModelContractError';
  }
}

/** The only Ultralytics task served: segment, pose, obb and classify heads answer something else than boxes. */
export const DETECT_TASK = 'detect';

export class UnsupportedTaskError extends Error {
  constructor(file: string, task: string) {
    super(`${file} is an Ultralytics "${task}" model: only detection models (task "${DETECT_TASK}") are served`);
    this.name = 'UnsupportedTaskError';
  }
}
/** Columns of an end-to-end output row: x1, y1, x2, y2, score, class. */
export const END2END_COLUMNS = 6;

const isStatic = (dim: number | string | undefined): dim is number => typeof dim === 'number' && dim > 0;
const describeShape = (shape: ReadonlyArray<number | string> | undefined) => `[${(shape ?? []).join(',')}]`;

/**
 * The head layout of an output of rank 3: Ultralytics' `end2end` entry decides where it is written; otherwise the
 * shape does (YOLOv5's export.py writes neither `end2end` nor `task`; every Ultralytics export without NMS is YOLOv8-style).
 */
export function recogniseHeadLayout(outShape: ReadonlyArray<number | string>, metadata: HeadMetadata): HeadLayout {
  if (metadata.end2end !== null) return metadata.end2end ? 'end2end' : 'yolov8';
  const classes = metadata.names.length;
  const [, rows, columns] = outShape;
  if (isStatic(rows) && rows === 4 + classes && columns !== 5 + classes) return 'yolov8';
  // A one-class YOLOv5 export has 6 columns too: without Ultralytics metadata it stays a YOLOv5 one.
  if (columns === END2END_COLUMNS && (classes !== 1 || metadata.task !== null)) return 'end2end';
  return metadata.task !== null ? 'yolov8' : 'yolov5';
}

export function checkModelContract(
  file: string,
  inputs: readonly TensorSignature[],
  outputs: readonly TensorSignature[],
  metadata: HeadMetadata,
): ModelContract {
  const { names, namesFromFile, task } = metadata;
  if (task !== null && task !== DETECT_TASK) {
    throw new UnsupportedTaskError(file, task);
  }
  if (inputs.length !== 1) throw new ModelContractError(file, `expected 1 input, found ${inputs.length}`);
  if (outputs.length < 1) throw new ModelContractError(file, 'the model has no output');
  const [input] = inputs;
  const [output] = outputs;
  if (!input.isTensor || input.type !== 'float32') {
    throw new ModelContractError(file, `input "${input.name}" must be float32, found ${input.type ?? 'a non-tensor'}`);
  }
  const inShape = input.shape ?? [];
  if (inShape.length !== 4 || (isStatic(inShape[0]) && inShape[0] !== 1) || inShape[1] !== 3) {
    throw new ModelContractError(file, `input "${input.name}" must be [1,3,H,W], found ${describeShape(inShape)}`);
  }
  const [height, width] = [inShape[2], inShape[3]];
  if (isStatic(height) !== isStatic(width)) {
    throw new ModelContractError(file, `input height and width must both be fixed or both dynamic, found ${describeShape(inShape)}`);
  }
  if (!output.isTensor || output.type !== 'float32') {
    throw new ModelContractError(file, `output "${output.name}" must be float32, found ${output.type ?? 'a non-tensor'}`);
  }
  const outShape = output.shape ?? [];
  const layout = outShape.length === 3 ? recogniseHeadLayout(outShape, metadata) : 'yolov5';
  const expected = { yolov5: '[1,N,5+classes]', yolov8: '[1,4+classes,N]', end2end: `[1,N,${END2END_COLUMNS}]` }[layout];
  if (outShape.length !== 3 || (isStatic(outShape[0]) && outShape[0] !== 1)) {
    throw new ModelContractError(file, `output "${output.name}" must be ${expected}, found ${describeShape(outShape)}`, layout);
  }
  const classesAxis = { yolov5: { dim: outShape[2], extra: 5 }, yolov8: { dim: outShape[1], extra: 4 }, end2end: null }[layout];
  if (layout === 'end2end' && isStatic(outShape[2]) && outShape[2] !== END2END_COLUMNS) {
    throw new ModelContractError(file, `output "${output.name}" must be ${expected} (x1, y1, x2, y2, score, class), found ${describeShape(outShape)}`, layout);
  }
  if (classesAxis && isStatic(classesAxis.dim) && classesAxis.dim !== classesAxis.extra + names.length) {
    const { dim, extra } = classesAxis;
    const what = layout === 'yolov5' ? 'columns per row' : 'values per anchor';
    throw new ModelContractError(
      file,
      namesFromFile
        ? `output "${output.name}" has ${dim} ${what} but the model names ${names.length} classes (expected ${extra + names.length})`
        : `output "${output.name}" has ${dim} ${what} (${dim - extra} classes) but the file has no \`names\` metadata, so the ${names.length} COCO classes were assumed: export it with ${layout === 'yolov5' ? "YOLOv5's export.py" : 'Ultralytics (yolo export)'}, which writes the class names`,
      layout,
    );
  }
  return {
    inputName: input.name,
    outputName: output.name,
    inputHeight: isStatic(height) ? height : null,
    inputWidth: isStatic(width) ? width : null,
    numClasses: names.length,
    headLayout: layout,
  };
}
