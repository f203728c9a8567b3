import { COCO_CLASS_NAMES } from '@app/vision/coco-names';
import { Attr, Dim, OnnxGraphBuilder } from './graph-builder';
import { formatNamesMetadata } from './names-metadata';
import { OnnxDataType } from './onnx-proto';
import { addImageInput, cellIndexGrid, floatConstant as constant, int64Constant, randomWeightLayers, Tensor } from './random-weight-layers';
import { mulberry32 } from './seeded-random';
import {
  walkYolov5,
  YOLOV5_ANCHORS,
  YOLOV5_CLASS_COUNT,
  YOLOV5_ROW_LENGTH,
  YOLOV5_STRIDES,
  Yolov5Model,
  Yolov5Ops,
  yoloRowCount,
} from './yolov5-architecture';

export interface Yolov5OnnxOptions {
  model: Yolov5Model;
  /** Dynamic batch/height/width (input ['batch',3,'height','width']) instead of a static [1,3,640,640]. */
  dynamic?: boolean;
  /** PRNG seed of the random weights; the same seed gives the same file. */
  seed?: number;
}

export const YOLOV5_STATIC_INPUT_SIZE = 640;
export const DEFAULT_WEIGHT_SEED = 1;

const MODEL_LETTER: Record<Yolov5Model, string> = { yolov5s: 's', yolov5m: 'm', yolov5l: 'l' };

/**
 * Builds a YOLOv5 v7.0-architecture ONNX model with seeded random weights and the official export's contract:
 * `images` float32 [1,3,640,640] -> `output0` float32 [1,25200,85], rows decoded exactly like Detect in export mode.
 */
export function buildYolov5Onnx(options: Yolov5OnnxOptions): OnnxGraphBuilder {
  const { model, dynamic = false, seed = DEFAULT_WEIGHT_SEED } = options;
  const graph = new OnnxGraphBuilder({ graphName: `${model}-random-weights` });
  const random = mulberry32(seed);
  const size = YOLOV5_STATIC_INPUT_SIZE;
  const image = addImageInput(graph, size, dynamic);

  const predictions = walkYolov5(model, onnxOps(graph, random), image);
  const decoded = predictions.map((p, level) => (dynamic ? decodeDynamicLevel : decodeStaticLevel)(graph, p.name, level));
  graph.addNode('Concat', decoded, { axis: Attr.int(1) }, 'output0');
  const outputDims: Dim[] = dynamic ? ['batch', 'anchors', YOLOV5_ROW_LENGTH] : [1, yoloRowCount(size, size), YOLOV5_ROW_LENGTH];
  graph.addOutput('output0', OnnxDataType.FLOAT, outputDims);

  graph.setMetadata('stride', String(Math.max(...YOLOV5_STRIDES)));
  graph.setMetadata('names', formatNamesMetadata(COCO_CLASS_NAMES));
  graph.setMetadata('random_weights', 'true');
  graph.setMetadata(
    'description',
    `Random-weight benchmark model with the YOLOv5${MODEL_LETTER[model]} v7.0 architecture: real compute cost, meaningless detections`,
  );
  return graph;
}

/** Name of a Detect conv's raw output [b, 3*85, ny, nx] in the graph (before decoding), per stride. */
export function yolov5RawPredictionName(stride: number): string {
  return `detect_raw_stride${stride}`;
}

/** The serialised model in one buffer (for tests and in-memory sessions; files should be streamed). */
export function makeYolov5Model(options: Yolov5OnnxOptions): Uint8Array {
  return buildYolov5Onnx(options).toBytes();
}

function onnxOps(graph: OnnxGraphBuilder, random: () => number): Yolov5Ops<Tensor> {
  const layers = randomWeightLayers(graph, random);
  return {
    channels: (x) => x.channels,
    conv: (x, spec) =>
      layers.conv(x, {
        ...spec,
        outputName: spec.detectStride === undefined ? undefined : yolov5RawPredictionName(spec.detectStride),
        biasPrior: spec.detectStride === undefined ? undefined : (bias) => addDetectBiasPriors(bias, spec.detectStride!),
      }),
    add: layers.add,
    concat: layers.concat,
    maxPool5: layers.maxPool5,
    upsample2x: layers.upsample2x,
  };
}

/** YOLOv5's Detect bias initialisation: ~8 objects per 640 image, and class scores near 0.6 / nc. */
function addDetectBiasPriors(bias: Float32Array, stride: number): void {
  for (let offset = 0; offset < bias.length; offset += YOLOV5_ROW_LENGTH) {
    bias[offset + 4] += Math.log(8 / (640 / stride) ** 2);
    for (let c = 5; c < YOLOV5_ROW_LENGTH; c++) bias[offset + c] += Math.log(0.6 / (YOLOV5_CLASS_COUNT - 0.99));
  }
}

/**
 * Detect in export mode for one level, as the official static v7.0 export writes it: [1, 3*85, ny, nx] reshaped to
 * the constant [1, 3, 85, ny, nx], transposed to [1, 3, ny, nx, 85], xy = (2*sigmoid + grid) * stride with the
 * constant grid [1, 3, ny, nx, 2] (cell - 0.5), wh = (2*sigmoid)^2 * anchor_grid [1, 3, ny, nx, 2], then the rows
 * [1, 3*ny*nx, 85] (anchor, y, x order). The same pattern as the official files, so that the load-time rewrite
 * (makeYolov5ShapeFlexible) makes these files rectangular as it does the official ones.
 */
function decodeStaticLevel(graph: OnnxGraphBuilder, prediction: string, level: number): string {
  const stride = YOLOV5_STRIDES[level];
  const anchors = YOLOV5_ANCHORS[level];
  const cells = YOLOV5_STATIC_INPUT_SIZE / stride;
  const levelShape = int64Constant(graph, `detect_level_shape_${stride}`, [1, anchors.length, YOLOV5_ROW_LENGTH, cells, cells]);
  const perAnchor = graph.addNode('Reshape', [prediction, levelShape]);
  const cellRows = graph.addNode('Transpose', [perAnchor], { perm: Attr.ints([0, 1, 3, 4, 2]) });
  const [xy, wh, scores] = graph.addMultiOutputNode(
    'Split',
    [graph.addNode('Sigmoid', [cellRows]), int64Constant(graph, 'detect_split_columns', [2, 2, YOLOV5_ROW_LENGTH - 4])],
    3,
    { axis: Attr.int(4) },
  );
  const two = constant(graph, 'two', [2], []);
  const grid = perCellConstant(graph, `grid_${stride}`, anchors.length, cells, (anchor, x, y) => [x - 0.5, y - 0.5]);
  const anchorGrid = perCellConstant(graph, `anchor_grid_${stride}`, anchors.length, cells, (anchor) => anchors[anchor]);
  const centers = graph.addNode('Mul', [graph.addNode('Add', [graph.addNode('Mul', [xy, two]), grid]), constant(graph, `stride_${stride}`, [stride], [])]);
  const sizes = graph.addNode('Mul', [graph.addNode('Pow', [graph.addNode('Mul', [wh, two]), two]), anchorGrid]);
  const decoded = graph.addNode('Concat', [centers, sizes, scores], { axis: Attr.int(4) });
  return graph.addNode('Reshape', [decoded, int64Constant(graph, `detect_rows_${stride}`, [1, anchors.length * cells * cells, YOLOV5_ROW_LENGTH])]);
}

/** A float [1, anchorCount, cells, cells, 2] constant of the static head: one pair per anchor and cell (x column, y row). */
function perCellConstant(
  graph: OnnxGraphBuilder,
  name: string,
  anchorCount: number,
  cells: number,
  pair: (anchor: number, x: number, y: number) => readonly [number, number],
): string {
  const values = new Float32Array(anchorCount * cells * cells * 2);
  for (let a = 0, i = 0; a < anchorCount; a++) {
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++, i += 2) values.set(pair(a, x, y), i);
    }
  }
  return graph.addFloatInitializer(name, [1, anchorCount, cells, cells, 2], values);
}

/**
 * Detect in export mode for one level with dynamic batch and input size: [b, 3*85, ny, nx] -> [b, 3*ny*nx, 85], with
 * xy = (2*sigmoid - 0.5 + grid) * stride and wh = (2*sigmoid)^2 * anchor, the grid computed from the map's shape.
 */
function decodeDynamicLevel(graph: OnnxGraphBuilder, prediction: string, level: number): string {
  const stride = YOLOV5_STRIDES[level];
  const anchors = YOLOV5_ANCHORS[level];
  const perAnchor = graph.addNode('Reshape', [prediction, int64Constant(graph, 'detect_split_anchors', [0, anchors.length, YOLOV5_ROW_LENGTH, -1])]);
  const rows = graph.addNode('Transpose', [perAnchor], { perm: Attr.ints([0, 1, 3, 2]) }); // [b, 3, ny*nx, 85]
  const [xy, wh, scores] = graph.addMultiOutputNode(
    'Split',
    [graph.addNode('Sigmoid', [rows]), int64Constant(graph, 'detect_split_columns', [2, 2, YOLOV5_ROW_LENGTH - 4])],
    3,
    { axis: Attr.int(3) },
  );
  const two = constant(graph, 'two', [2], []);
  const grid = dynamicGrid(graph, prediction);
  const centers = graph.addNode('Mul', [
    graph.addNode('Add', [graph.addNode('Mul', [xy, two]), grid]),
    constant(graph, `stride_${stride}`, [stride], []),
  ]);
  const doubled = graph.addNode('Mul', [wh, two]);
  const anchorGrid = constant(graph, `anchors_${stride}`, anchors.flat(), [1, anchors.length, 1, 2]);
  const sizes = graph.addNode('Mul', [graph.addNode('Mul', [doubled, doubled]), anchorGrid]);
  const decoded = graph.addNode('Concat', [centers, sizes, scores], { axis: Attr.int(3) });
  return graph.addNode('Reshape', [decoded, int64Constant(graph, 'detect_rows', [0, -1, YOLOV5_ROW_LENGTH])]);
}

/** The same grid computed in the graph from the prediction map's shape, for dynamic input sizes. */
function dynamicGrid(graph: OnnxGraphBuilder, prediction: string): string {
  return graph.addNode('Sub', [cellIndexGrid(graph, prediction), constant(graph, 'half', [0.5], [])]);
}
