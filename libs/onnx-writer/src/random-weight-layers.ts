import { Attr, Dim, OnnxGraphBuilder } from './graph-builder';
import { OnnxDataType } from './onnx-proto';
import { uniformArray } from './seeded-random';

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

/** An activation of the graph being built. */
export interface Tensor {
  name: string;
  channels: number;
  /** Estimated mean square of the values, used to scale the next conv's weights. */
  meanSquare: number;
}

export interface RandomConvSpec {
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  groups?: number;
  /** SiLU after the conv. */
  activation: boolean;
  /** Name of the conv's output (e.g. a Detect conv tests look at); a fresh name otherwise. */
  outputName?: string;
  /** Adjusts the random biases, e.g. with a detection head's priors. */
  biasPrior?: (bias: Float32Array) => void;
}

/** The image input `images` of a detector export: float32 [1,3,size,size], or symbolic batch/height/width. */
export function addImageInput(graph: OnnxGraphBuilder, size: number, dynamic: boolean): Tensor {
  const dims: Dim[] = dynamic ? ['batch', 3, 'height', 'width'] : [1, 3, size, size];
  return { name: graph.addInput('images', OnnxDataType.FLOAT, dims), channels: 3, meanSquare: IMAGE_MEAN_SQUARE };
}

/** The layers of the fused Ultralytics networks, with seeded random weights drawn in graph order. */
export function randomWeightLayers(graph: OnnxGraphBuilder, random: () => number) {
  return {
    conv(x: Tensor, spec: RandomConvSpec): Tensor {
      const groups = spec.groups ?? 1;
      const fanIn = (x.channels / groups) * spec.kernel * spec.kernel;
      const weightBound = Math.sqrt((3 * WEIGHT_SHARE) / (fanIn * x.meanSquare)); // variance WEIGHT_SHARE / (fanIn * E[x^2])
      const weight = uniformArray(spec.outChannels * fanIn, weightBound, random);
      const bias = uniformArray(spec.outChannels, BIAS_BOUND, random);
      spec.biasPrior?.(bias);
      const prefix = graph.uniqueName('conv');
      const weightName = graph.addFloatInitializer(`${prefix}.weight`, [spec.outChannels, x.channels / groups, spec.kernel, spec.kernel], weight);
      const biasName = graph.addFloatInitializer(`${prefix}.bias`, [spec.outChannels], bias);
      const attributes = {
        kernel_shape: Attr.ints([spec.kernel, spec.kernel]),
        strides: Attr.ints([spec.stride, spec.stride]),
        pads: Attr.ints([spec.padding, spec.padding, spec.padding, spec.padding]),
        ...(groups === 1 ? {} : { group: Attr.int(groups) }),
      };
      const conv = graph.addNode('Conv', [x.name, weightName, biasName], attributes, spec.outputName);
      // SiLU as the official exports write it: x * Sigmoid(x)
      const name = spec.activation ? graph.addNode('Mul', [conv, graph.addNode('Sigmoid', [conv])]) : conv;
      return { name, channels: spec.outChannels, meanSquare: spec.activation ? SILU_MEAN_SQUARE : 1 };
    },
    add: (a: Tensor, b: Tensor): Tensor => ({
      name: graph.addNode('Add', [a.name, b.name]),
      channels: a.channels,
      meanSquare: a.meanSquare + b.meanSquare,
    }),
    concat(xs: readonly Tensor[]): Tensor {
      const channels = xs.reduce((sum, x) => sum + x.channels, 0);
      const meanSquare = xs.reduce((sum, x) => sum + x.meanSquare * x.channels, 0) / channels;
      return { name: graph.addNode('Concat', xs.map((x) => x.name), { axis: Attr.int(1) }), channels, meanSquare };
    },
    maxPool5: (x: Tensor): Tensor => ({
      ...x,
      name: graph.addNode('MaxPool', [x.name], { kernel_shape: Attr.ints([5, 5]), strides: Attr.ints([1, 1]), pads: Attr.ints([2, 2, 2, 2]) }),
      meanSquare: x.meanSquare * MAX_POOL_MEAN_SQUARE_GAIN,
    }),
    upsample2x: (x: Tensor): Tensor => ({
      ...x,
      // nn.Upsample(scale_factor=2, mode='nearest') as exported by PyTorch
      name: graph.addNode('Resize', [x.name, '', floatConstant(graph, 'upsample_scales', [1, 1, 2, 2])], {
        mode: Attr.string('nearest'),
        coordinate_transformation_mode: Attr.string('asymmetric'),
        nearest_mode: Attr.string('floor'),
      }),
    }),
  };
}

/** Float constants are shared by name so each appears once in the graph. */
export function floatConstant(graph: OnnxGraphBuilder, name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
  return graph.hasTensor(name) ? name : graph.addFloatConstant(name, values, dims);
}

export function int64Constant(graph: OnnxGraphBuilder, name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
  return graph.hasTensor(name) ? name : graph.addInt64Initializer(name, values, dims);
}

/**
 * The (x, y) index of every cell of a feature map [b, c, ny, nx], computed in the graph from its shape (for
 * dynamic input sizes): float [1, 1, ny*nx, 2] in row-major cell order.
 */
export function cellIndexGrid(graph: OnnxGraphBuilder, featureMap: string): string {
  const shape = graph.addNode('Shape', [featureMap]);
  const mapSize = graph.addNode('Slice', [shape, int64Constant(graph, 'hw_start', [2]), int64Constant(graph, 'hw_end', [4])]); // [ny, nx]
  const cellRange = (axis: number) => {
    const count = graph.addNode('Cast', [graph.addNode('Gather', [shape, int64Constant(graph, `dim_${axis}`, [axis], [])])], {
      to: Attr.int(OnnxDataType.FLOAT),
    });
    return graph.addNode('Range', [floatConstant(graph, 'zero', [0], []), count, floatConstant(graph, 'one', [1], [])]);
  };
  const unsqueeze = (x: string, axis: number) => graph.addNode('Unsqueeze', [x, int64Constant(graph, `axis_${axis}`, [axis])]);
  const xs = graph.addNode('Expand', [unsqueeze(cellRange(3), 0), mapSize]); // [ny, nx]: column index
  const ys = graph.addNode('Expand', [unsqueeze(cellRange(2), 1), mapSize]); // [ny, nx]: row index
  const grid = graph.addNode('Concat', [unsqueeze(xs, 2), unsqueeze(ys, 2)], { axis: Attr.int(2) });
  return graph.addNode('Reshape', [grid, int64Constant(graph, 'grid_rows', [1, 1, -1, 2])]);
}
