import { COCO_CLASS_NAMES } from '@app/vision/coco-names';
import { Attr, Dim, OnnxGraphBuilder } from './graph-builder';
import { formatNamesMetadata } from './names-metadata';
import { OnnxDataType } from './onnx-proto';
import { mulberry32, uniformArray } from './seeded-random';
import {
  ConvSpec,
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
 * Random weights are scaled so that every conv's pre-activation has about unit mean square given an estimate of
 * its input's mean square (a data-free stand-in for the BatchNorm the real weights were trained with). Half of it
 * comes from the weights and half from the biases: SiLU's gain grows with its input's scale, so a purely
 * multiplicative scheme amplifies any estimation error layer after layer, while the bias share pulls every layer
 * back towards unit scale. Activations neither vanish nor blow up, and Detect logits stay near the bias priors.
 */
const IMAGE_MEAN_SQUARE = 0.3; // pixels in 0..1
const SILU_MEAN_SQUARE = 0.36; // E[silu(x)^2] for x ~ N(0, 1)
const MAX_POOL_MEAN_SQUARE_GAIN = 2; // a 5x5 max of correlated activations
const WEIGHT_SHARE = 0.5;
const BIAS_BOUND = Math.sqrt(3 * (1 - WEIGHT_SHARE)); // uniform with variance 1 - WEIGHT_SHARE

interface Tensor {
  name: string;
  channels: number;
  /** Estimated mean square of the values, used to scale the next conv's weights. */
  meanSquare: number;
}

/**
 * Builds a YOLOv5 v7.0-architecture ONNX model with seeded random weights and the official export's contract:
 * `images` float32 [1,3,640,640] -> `output0` float32 [1,25200,85], rows decoded exactly like Detect in export mode.
 */
export function buildYolov5Onnx(options: Yolov5OnnxOptions): OnnxGraphBuilder {
  const { model, dynamic = false, seed = DEFAULT_WEIGHT_SEED } = options;
  const graph = new OnnxGraphBuilder({ graphName: `${model}-random-weights` });
  const random = mulberry32(seed);
  const size = YOLOV5_STATIC_INPUT_SIZE;
  const inputDims: Dim[] = dynamic ? ['batch', 3, 'height', 'width'] : [1, 3, size, size];
  const image: Tensor = { name: graph.addInput('images', OnnxDataType.FLOAT, inputDims), channels: 3, meanSquare: IMAGE_MEAN_SQUARE };

  const predictions = walkYolov5(model, onnxOps(graph, random), image);
  const decoded = predictions.map((p, level) => decodeLevel(graph, p.name, level, dynamic));
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
  return {
    channels: (x) => x.channels,
    conv: (x, spec) => {
      const [weight, bias] = convParameters(graph, x, spec, random);
      const outputName = spec.detectStride === undefined ? undefined : yolov5RawPredictionName(spec.detectStride);
      const attributes = {
        kernel_shape: Attr.ints([spec.kernel, spec.kernel]),
        strides: Attr.ints([spec.stride, spec.stride]),
        pads: Attr.ints([spec.padding, spec.padding, spec.padding, spec.padding]),
      };
      const conv = graph.addNode('Conv', [x.name, weight, bias], attributes, outputName);
      // SiLU as the official export writes it: x * Sigmoid(x)
      const name = spec.activation ? graph.addNode('Mul', [conv, graph.addNode('Sigmoid', [conv])]) : conv;
      return { name, channels: spec.outChannels, meanSquare: spec.activation ? SILU_MEAN_SQUARE : 1 };
    },
    add: (a, b) => ({ name: graph.addNode('Add', [a.name, b.name]), channels: a.channels, meanSquare: a.meanSquare + b.meanSquare }),
    concat: (xs) => {
      const channels = xs.reduce((sum, x) => sum + x.channels, 0);
      const meanSquare = xs.reduce((sum, x) => sum + x.meanSquare * x.channels, 0) / channels;
      return { name: graph.addNode('Concat', xs.map((x) => x.name), { axis: Attr.int(1) }), channels, meanSquare };
    },
    maxPool5: (x) => ({
      ...x,
      name: graph.addNode('MaxPool', [x.name], { kernel_shape: Attr.ints([5, 5]), strides: Attr.ints([1, 1]), pads: Attr.ints([2, 2, 2, 2]) }),
      meanSquare: x.meanSquare * MAX_POOL_MEAN_SQUARE_GAIN,
    }),
    upsample2x: (x) => ({
      ...x,
      // nn.Upsample(scale_factor=2, mode='nearest') as exported by PyTorch
      name: graph.addNode('Resize', [x.name, '', constant(graph, 'upsample_scales', [1, 1, 2, 2])], {
        mode: Attr.string('nearest'),
        coordinate_transformation_mode: Attr.string('asymmetric'),
        nearest_mode: Attr.string('floor'),
      }),
    }),
  };
}

function convParameters(graph: OnnxGraphBuilder, x: Tensor, spec: ConvSpec, random: () => number): [string, string] {
  const fanIn = x.channels * spec.kernel * spec.kernel;
  const weightBound = Math.sqrt((3 * WEIGHT_SHARE) / (fanIn * x.meanSquare)); // variance WEIGHT_SHARE / (fanIn * E[x^2])
  const weight = uniformArray(spec.outChannels * fanIn, weightBound, random);
  const bias = uniformArray(spec.outChannels, BIAS_BOUND, random);
  if (spec.detectStride !== undefined) addDetectBiasPriors(bias, spec.detectStride);
  const prefix = graph.uniqueName('conv');
  return [
    graph.addFloatInitializer(`${prefix}.weight`, [spec.outChannels, x.channels, spec.kernel, spec.kernel], weight),
    graph.addFloatInitializer(`${prefix}.bias`, [spec.outChannels], bias),
  ];
}

/** YOLOv5's Detect bias initialisation: ~8 objects per 640 image, and class scores near 0.6 / nc. */
function addDetectBiasPriors(bias: Float32Array, stride: number): void {
  for (let offset = 0; offset < bias.length; offset += YOLOV5_ROW_LENGTH) {
    bias[offset + 4] += Math.log(8 / (640 / stride) ** 2);
    for (let c = 5; c < YOLOV5_ROW_LENGTH; c++) bias[offset + c] += Math.log(0.6 / (YOLOV5_CLASS_COUNT - 0.99));
  }
}

/** Float constants are shared by name so each appears once in the graph. */
function constant(graph: OnnxGraphBuilder, name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
  return graph.hasTensor(name) ? name : graph.addFloatConstant(name, values, dims);
}

function int64Constant(graph: OnnxGraphBuilder, name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
  return graph.hasTensor(name) ? name : graph.addInt64Initializer(name, values, dims);
}

/**
 * Detect in export mode for one level: [b, 3*85, ny, nx] -> [b, 3*ny*nx, 85], with
 * xy = (2*sigmoid - 0.5 + grid) * stride and wh = (2*sigmoid)^2 * anchor; row order anchor, y, x as ultralytics.
 */
function decodeLevel(graph: OnnxGraphBuilder, prediction: string, level: number, dynamic: boolean): string {
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
  const grid = dynamic ? dynamicGrid(graph, prediction) : staticGrid(graph, level);
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

/** Cell offsets minus 0.5, [1, 1, ny*nx, 2] with (x, y) per cell, for the fixed 640x640 input. */
function staticGrid(graph: OnnxGraphBuilder, level: number): string {
  const cells = YOLOV5_STATIC_INPUT_SIZE / YOLOV5_STRIDES[level];
  const grid = new Float32Array(cells * cells * 2);
  for (let y = 0; y < cells; y++) {
    for (let x = 0; x < cells; x++) grid.set([x - 0.5, y - 0.5], (y * cells + x) * 2);
  }
  return graph.addFloatInitializer(`grid_${YOLOV5_STRIDES[level]}`, [1, 1, cells * cells, 2], grid);
}

/** The same grid computed in the graph from the prediction map's shape, for dynamic input sizes. */
function dynamicGrid(graph: OnnxGraphBuilder, prediction: string): string {
  const shape = graph.addNode('Shape', [prediction]);
  const mapSize = graph.addNode('Slice', [shape, int64Constant(graph, 'hw_start', [2]), int64Constant(graph, 'hw_end', [4])]); // [ny, nx]
  const cellRange = (axis: number) => {
    const count = graph.addNode('Cast', [graph.addNode('Gather', [shape, int64Constant(graph, `dim_${axis}`, [axis], [])])], {
      to: Attr.int(OnnxDataType.FLOAT),
    });
    return graph.addNode('Range', [constant(graph, 'zero', [0], []), count, constant(graph, 'one', [1], [])]);
  };
  const unsqueeze = (x: string, axis: number) => graph.addNode('Unsqueeze', [x, int64Constant(graph, `axis_${axis}`, [axis])]);
  const xs = graph.addNode('Expand', [unsqueeze(cellRange(3), 0), mapSize]); // [ny, nx]: column index
  const ys = graph.addNode('Expand', [unsqueeze(cellRange(2), 1), mapSize]); // [ny, nx]: row index
  const grid = graph.addNode('Concat', [unsqueeze(xs, 2), unsqueeze(ys, 2)], { axis: Attr.int(2) });
  const flat = graph.addNode('Reshape', [grid, int64Constant(graph, 'grid_rows', [1, 1, -1, 2])]);
  return graph.addNode('Sub', [flat, constant(graph, 'half', [0.5], [])]);
}
