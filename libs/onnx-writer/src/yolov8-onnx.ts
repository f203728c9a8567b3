import { COCO_CLASS_NAMES } from '@app/vision/coco-names';
import { Attr, Dim, OnnxGraphBuilder } from './graph-builder';
import { formatNamesMetadata } from './names-metadata';
import { OnnxDataType } from './onnx-proto';
import { addImageInput, cellIndexGrid, floatConstant, int64Constant, randomWeightLayers, Tensor } from './random-weight-layers';
import { mulberry32 } from './seeded-random';
import {
  anchorPointCount,
  DetectLevel,
  DFL_BINS,
  ULTRALYTICS_CLASS_COUNT,
  ULTRALYTICS_ROW_LENGTH,
  ULTRALYTICS_SCALES,
  ULTRALYTICS_STRIDES,
  UltralyticsModel,
  UltralyticsOps,
  walkUltralytics,
} from './yolov8-architecture';
import { DEFAULT_WEIGHT_SEED } from './yolov5-onnx';

export interface UltralyticsOnnxOptions {
  model: UltralyticsModel;
  /** Dynamic batch/height/width (input ['batch',3,'height','width']) instead of a static [1,3,640,640]. */
  dynamic?: boolean;
  /** PRNG seed of the random weights; the same seed gives the same file. */
  seed?: number;
}

export const ULTRALYTICS_STATIC_INPUT_SIZE = 640;

/**
 * Builds a YOLOv8/YOLO11-architecture ONNX model with seeded random weights, shaped like `yolo export format=onnx`:
 * `images` float32 [1,3,640,640] -> `output0` float32 [1,84,8400] (cx, cy, w, h in input pixels, then 80 sigmoid
 * class scores per anchor point), decoded exactly as Detect does in export mode, with Ultralytics' metadata.
 */
export function buildUltralyticsOnnx(options: UltralyticsOnnxOptions): OnnxGraphBuilder {
  const { model, dynamic = false, seed = DEFAULT_WEIGHT_SEED } = options;
  const graph = new OnnxGraphBuilder({ graphName: `${model}-random-weights` });
  const size = ULTRALYTICS_STATIC_INPUT_SIZE;
  const image = addImageInput(graph, size, dynamic);
  const levels = walkUltralytics(model, onnxOps(graph, mulberry32(seed)), image);
  addUltralyticsDecode(
    graph,
    levels.map(({ box, classes }) => ({ box: box.name, classes: classes.name })),
    dynamic ? null : { height: size, width: size },
  );
  const outputDims: Dim[] = dynamic ? ['batch', ULTRALYTICS_ROW_LENGTH, 'anchors'] : [1, ULTRALYTICS_ROW_LENGTH, anchorPointCount(size, size)];
  graph.addOutput('output0', OnnxDataType.FLOAT, outputDims);

  const { family } = ULTRALYTICS_SCALES[model];
  const python = (flag: boolean) => (flag ? 'True' : 'False');
  graph.setMetadata('description', `Random-weight benchmark model with the Ultralytics ${displayName(model)} architecture: real compute cost, meaningless detections`);
  graph.setMetadata('stride', String(Math.max(...ULTRALYTICS_STRIDES)));
  graph.setMetadata('task', 'detect');
  graph.setMetadata('batch', '1');
  graph.setMetadata('imgsz', `[${size}, ${size}]`);
  graph.setMetadata('names', formatNamesMetadata(COCO_CLASS_NAMES));
  graph.setMetadata('args', `{'batch': 1, 'dynamic': ${python(dynamic)}, 'nms': False}`);
  graph.setMetadata('channels', '3');
  graph.setMetadata('end2end', 'False');
  graph.setMetadata('random_weights', 'true');
  graph.setMetadata('architecture', family);
  return graph;
}

/** The serialised model in one buffer (for tests and in-memory sessions; files should be streamed). */
export function makeUltralyticsModel(options: UltralyticsOnnxOptions): Uint8Array {
  return buildUltralyticsOnnx(options).toBytes();
}

/** Name of a Detect conv's raw output (box: [b, 64, ny, nx] DFL logits; class: [b, 80, ny, nx] logits), per stride. */
export function ultralyticsRawPredictionName(branch: 'box' | 'class', stride: number): string {
  return `detect_${branch}_stride${stride}`;
}

/** 'yolov8n' -> 'YOLOv8n', 'yolo11n' -> 'YOLO11n', as Ultralytics names them. */
function displayName(model: UltralyticsModel): string {
  return model.replace(/^yolo/, 'YOLO');
}

function onnxOps(graph: OnnxGraphBuilder, random: () => number): UltralyticsOps<Tensor> {
  const layers = randomWeightLayers(graph, random);
  return {
    channels: (x) => x.channels,
    conv: (x, spec) => {
      if (!spec.detect) return layers.conv(x, spec);
      const { branch, level } = spec.detect;
      const stride = ULTRALYTICS_STRIDES[level];
      // Detect.bias_init: box logits start at 1, class scores at ~5 objects per 640 image.
      const prior = branch === 'box' ? 1 : Math.log(5 / ULTRALYTICS_CLASS_COUNT / (640 / stride) ** 2);
      return layers.conv(x, { ...spec, outputName: ultralyticsRawPredictionName(branch, stride), biasPrior: (bias) => bias.forEach((_, i) => (bias[i] += prior)) });
    },
    add: layers.add,
    concat: layers.concat,
    split: (x, sizes) =>
      graph
        .addMultiOutputNode('Split', [x.name, int64Constant(graph, `split_${sizes.join('_')}`, sizes)], sizes.length, { axis: Attr.int(1) })
        .map((name, i) => ({ name, channels: sizes[i], meanSquare: x.meanSquare })),
    maxPool5: layers.maxPool5,
    upsample2x: layers.upsample2x,
    attention: (input, qkv, { heads, keyDim, headDim }) => {
      const perHead = graph.addNode('Reshape', [qkv.name, int64Constant(graph, `attention_heads_${heads}_${keyDim}_${headDim}`, [0, heads, 2 * keyDim + headDim, -1])]);
      const [q, k, v] = graph.addMultiOutputNode('Split', [perHead, int64Constant(graph, `attention_split_${keyDim}_${headDim}`, [keyDim, keyDim, headDim])], 3, {
        axis: Attr.int(2),
      });
      const transposeLast = (x: string) => graph.addNode('Transpose', [x], { perm: Attr.ints([0, 1, 3, 2]) });
      const scores = graph.addNode('Mul', [graph.addNode('MatMul', [transposeLast(q), k]), floatConstant(graph, `attention_scale_${keyDim}`, [keyDim ** -0.5], [])]);
      const weights = graph.addNode('Softmax', [scores], { axis: Attr.int(-1) });
      const shape = graph.addNode('Shape', [input.name]);
      const asInput = (x: string): Tensor => ({ name: graph.addNode('Reshape', [x, shape]), channels: input.channels, meanSquare: 1 });
      return { attended: asInput(graph.addNode('MatMul', [v, transposeLast(weights)])), values: asInput(v) };
    },
  };
}

/**
 * Detect in export mode, as Ultralytics 8.x writes it: box and class maps flattened and joined over the levels,
 * DFL (softmax over the 16 distance bins per side, then their expectation as a fixed 1x1 Conv), distances to
 * boxes around the anchor points (cell centres), times the stride; then the sigmoid class scores. Anchor points are
 * constants for a static `inputSize` and computed from the maps' shapes when it is null. Writes `output0`.
 */
export function addUltralyticsDecode(graph: OnnxGraphBuilder, levels: readonly DetectLevel<string>[], inputSize: { height: number; width: number } | null): string {
  const flatten = (map: string, channels: number) => graph.addNode('Reshape', [map, int64Constant(graph, `detect_flat_${channels}`, [0, channels, -1])]);
  const boxes = graph.addNode('Concat', levels.map(({ box }) => flatten(box, 4 * DFL_BINS)), { axis: Attr.int(2) }); // [b, 64, anchors]
  const classes = graph.addNode('Concat', levels.map(({ classes: c }) => flatten(c, ULTRALYTICS_CLASS_COUNT)), { axis: Attr.int(2) });

  const bins = graph.addNode('Reshape', [boxes, int64Constant(graph, 'dfl_bins', [0, 4, DFL_BINS, -1])]);
  const probabilities = graph.addNode('Softmax', [graph.addNode('Transpose', [bins], { perm: Attr.ints([0, 2, 1, 3]) })], { axis: Attr.int(1) });
  const binIndex = graph.addFloatInitializer('dfl.conv.weight', [1, DFL_BINS, 1, 1], Float32Array.from({ length: DFL_BINS }, (_, i) => i));
  const expectation = graph.addNode('Conv', [probabilities, binIndex], { kernel_shape: Attr.ints([1, 1]) });
  const distances = graph.addNode('Reshape', [expectation, int64Constant(graph, 'dfl_sides', [0, 4, -1])]); // [b, 4, anchors]

  const { anchors, strides } = inputSize ? staticAnchors(graph, inputSize) : dynamicAnchors(graph, levels);
  const side = (start: number) =>
    graph.addNode('Slice', [distances, int64Constant(graph, `side_${start}`, [start]), int64Constant(graph, `side_${start + 2}`, [start + 2]), int64Constant(graph, 'side_axis', [1])]);
  const topLeft = graph.addNode('Sub', [anchors, side(0)]);
  const bottomRight = graph.addNode('Add', [anchors, side(2)]);
  const centres = graph.addNode('Div', [graph.addNode('Add', [topLeft, bottomRight]), floatConstant(graph, 'two', [2], [])]);
  const sizes = graph.addNode('Sub', [bottomRight, topLeft]);
  const pixels = graph.addNode('Mul', [graph.addNode('Concat', [centres, sizes], { axis: Attr.int(1) }), strides]);
  return graph.addNode('Concat', [pixels, graph.addNode('Sigmoid', [classes])], { axis: Attr.int(1) }, 'output0');
}

/** Cell centres [2, anchors] (x row, y row) in map units and each one's stride [1, anchors], for a fixed input. */
function staticAnchors(graph: OnnxGraphBuilder, inputSize: { height: number; width: number }): { anchors: string; strides: string } {
  const count = anchorPointCount(inputSize.height, inputSize.width);
  const points = new Float32Array(2 * count);
  const strides = new Float32Array(count);
  let index = 0;
  for (const stride of ULTRALYTICS_STRIDES) {
    const [rows, columns] = [inputSize.height / stride, inputSize.width / stride];
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++, index++) {
        points[index] = x + 0.5;
        points[count + index] = y + 0.5;
        strides[index] = stride;
      }
    }
  }
  return {
    anchors: graph.addFloatInitializer('anchors', [2, count], points),
    strides: graph.addFloatInitializer('strides', [1, count], strides),
  };
}

/** The same anchor points and strides computed from each level's map shape, for dynamic input sizes. */
function dynamicAnchors(graph: OnnxGraphBuilder, levels: readonly DetectLevel<string>[]): { anchors: string; strides: string } {
  const perLevel = levels.map(({ box }, level) => {
    const cells = graph.addNode('Reshape', [cellIndexGrid(graph, box), int64Constant(graph, 'cell_pairs', [-1, 2])]);
    const points = graph.addNode('Add', [graph.addNode('Transpose', [cells], { perm: Attr.ints([1, 0]) }), floatConstant(graph, 'half', [0.5], [])]);
    const firstRow = graph.addNode('Slice', [points, int64Constant(graph, 'row_0', [0]), int64Constant(graph, 'row_1', [1])]);
    const stride = floatConstant(graph, `stride_${ULTRALYTICS_STRIDES[level]}`, [ULTRALYTICS_STRIDES[level]], [1, 1]);
    return { points, strides: graph.addNode('Expand', [stride, graph.addNode('Shape', [firstRow])]) };
  });
  return {
    anchors: graph.addNode('Concat', perLevel.map(({ points }) => points), { axis: Attr.int(1) }),
    strides: graph.addNode('Concat', perLevel.map(({ strides }) => strides), { axis: Attr.int(1) }),
  };
}
