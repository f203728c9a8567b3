import { OnnxGraph, OnnxNode } from '@app/onnx-writer/onnx-proto';

/**
 * Which nodes of a float graph run in INT8, and which activations get a QuantizeLinear → DequantizeLinear pair.
 *
 * ONNX Runtime fuses a DequantizeLinear → op → QuantizeLinear group into its integer kernel (QLinearConv,
 * QLinearSigmoid, QLinearMul, QLinearAdd, QLinearConcat; MaxPool and Resize simply run on uint8) only when every
 * float input of the op comes out of a DequantizeLinear and its output goes only into a QuantizeLinear. Quantizing
 * the Convs alone gains nothing in YOLOv5: SiLU's Sigmoid and Mul between them would dequantize and requantize
 * every activation, so the whole chain between the first Conv and the Detect head is quantized.
 */
export const QUANTIZABLE_OPS = ['Conv', 'Sigmoid', 'Mul', 'Add', 'Concat', 'MaxPool', 'Resize'] as const;

/** Ops that move values without computing new ones: ONNX Runtime runs them on uint8 only with the same scale on both sides. */
const VALUE_PRESERVING_OPS = new Set(['MaxPool', 'Resize']);

export interface QuantizationPlanOptions {
  /** Keep Convs that read a graph input in float (3 input channels: INT8 is slower there and costs accuracy). Default true. */
  keepInputConvFloat?: boolean;
  /** Give the inputs and the output of each Concat one shared scale, so it becomes a plain copy. Default true. */
  shareConcatScales?: boolean;
  /**
   * Run each SiLU (x · Sigmoid(x)) in float between the Conv's DequantizeLinear and the next QuantizeLinear instead
   * of as QLinearSigmoid + QLinearMul (slower in ONNX Runtime, which gives Sigmoid and Mul a DequantizeLinear each
   * and so never fuses them); kept so that `npm run bench:int8 -- --silu float` can compare. Default false.
   */
  siluInFloat?: boolean;
}

export interface FloatConv {
  node: string;
  reason: 'reads the graph input' | 'detect head' | 'weights are not constant';
}

export interface QuantizationPlan {
  /** Names of the nodes that run in INT8. */
  quantizedNodes: Set<string>;
  /** Activations that get a Q → DQ pair, in graph order: every float input and output of a quantized node. */
  activations: string[];
  /**
   * Activations that must share one scale and zero point, keyed by each member: the inputs and outputs of
   * MaxPool and Resize (and Concat unless disabled). A lone activation is its own group.
   */
  scaleGroups: Map<string, string[]>;
  floatConvs: FloatConv[];
}

/** Gives every unnamed node a unique name, since the plan refers to nodes by name. */
export function nameUnnamedNodes(graph: OnnxGraph): void {
  const taken = new Set(graph.node.map((node) => node.name).filter(Boolean));
  graph.node.forEach((node, index) => {
    if (node.name) return;
    let name = `${node.opType}_${index}`;
    for (let n = 1; taken.has(name); n++) name = `${node.opType}_${index}_${n}`;
    node.name = name;
    taken.add(name);
  });
}

/**
 * The region that runs in INT8 is every quantizable node from which another Conv can still be reached, not
 * counting paths through a Softmax: so the last Convs of each branch (YOLOv5's Detect convs; YOLOv8/11's box and
 * class convs, whose box logits reach only the DFL's fixed Conv through its Softmax) and everything after them (the
 * DFL and the box decoding, which need float precision for coordinates) stay float, whatever the model's depth or
 * naming. Nodes must be in topological order, as ONNX requires.
 */
export function planQuantization(graph: OnnxGraph, options: QuantizationPlanOptions = {}): QuantizationPlan {
  const { keepInputConvFloat = true, shareConcatScales = true, siluInFloat = false } = options;
  const constants = new Set([...graph.initializer.map((tensor) => tensor.name), ...graph.node.filter((node) => node.opType === 'Constant').flatMap((node) => node.output)]);
  const graphInputs = new Set(graph.input.map((input) => input.name));
  const graphOutputs = new Set(graph.output.map((output) => output.name));
  const reachesConv = convReachability(graph.node);
  const floatSilus = siluInFloat ? siluNodes(graph.node) : new Set<string>();

  const quantizedNodes = new Set<string>();
  const floatConvs: FloatConv[] = [];
  const activations: string[] = [];
  const seen = new Set<string>();
  const addActivation = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    activations.push(name);
  };

  graph.node.forEach((node, index) => {
    if (!(QUANTIZABLE_OPS as readonly string[]).includes(node.opType) || (node.domain && node.domain !== 'ai.onnx') || floatSilus.has(node.name)) return;
    const inputs = dataInputs(node);
    if (node.opType === 'Conv') {
      const [, weight, bias] = node.input;
      let reason: FloatConv['reason'] | undefined;
      if (!reachesConv[index]) reason = 'detect head';
      else if (keepInputConvFloat && graphInputs.has(inputs[0])) reason = 'reads the graph input';
      else if (!constants.has(weight) || (bias && !constants.has(bias))) reason = 'weights are not constant';
      if (reason) {
        floatConvs.push({ node: node.name, reason });
        return;
      }
    } else if (!reachesConv[index] || inputs.some((input) => constants.has(input) || graphInputs.has(input))) {
      return;
    }
    if (node.output.some((output) => graphOutputs.has(output))) return;
    quantizedNodes.add(node.name);
    for (const tensor of [...inputs, ...node.output]) addActivation(tensor);
  });

  return { quantizedNodes, activations, scaleGroups: scaleGroups(graph.node, quantizedNodes, activations, shareConcatScales), floatConvs };
}

/** The inputs that carry activations: Conv's weights and bias, and Resize's roi/scales/sizes, are parameters. */
export function dataInputs(node: OnnxNode): string[] {
  if (node.opType === 'Conv' || node.opType === 'Resize') return node.input.slice(0, 1);
  return node.input.filter(Boolean);
}

/** Names of the Sigmoid and Mul nodes that compute x · Sigmoid(x) (SiLU, as exported from PyTorch). */
export function siluNodes(nodes: readonly OnnxNode[]): Set<string> {
  const sigmoids = new Map(nodes.filter((node) => node.opType === 'Sigmoid').map((node) => [node.output[0], node]));
  const names = new Set<string>();
  for (const node of nodes) {
    if (node.opType !== 'Mul' || node.input.length !== 2) continue;
    const [a, b] = node.input;
    const sigmoid = sigmoids.get(b)?.input[0] === a ? sigmoids.get(b) : sigmoids.get(a)?.input[0] === b ? sigmoids.get(a) : undefined;
    if (!sigmoid) continue;
    names.add(sigmoid.name);
    names.add(node.name);
  }
  return names;
}

/**
 * For each node: whether a Conv consumes, directly or further down, anything it produces. A Softmax stops the
 * search: what feeds one is a prediction to decode (YOLOv8's DFL bins), not a feature map.
 */
function convReachability(nodes: readonly OnnxNode[]): boolean[] {
  const consumers = new Map<string, number[]>();
  nodes.forEach((node, index) => {
    for (const input of node.input) {
      const list = consumers.get(input);
      if (list) list.push(index);
      else consumers.set(input, [index]);
    }
  });
  const reaches = new Array<boolean>(nodes.length).fill(false);
  for (let index = nodes.length - 1; index >= 0; index--) {
    reaches[index] = nodes[index].output.some((output) =>
      (consumers.get(output) ?? []).some((consumer) => nodes[consumer].opType === 'Conv' || (nodes[consumer].opType !== 'Softmax' && reaches[consumer])),
    );
  }
  return reaches;
}

/** Union-find over the activations that must share quantization parameters. */
function scaleGroups(nodes: readonly OnnxNode[], quantized: Set<string>, activations: readonly string[], shareConcatScales: boolean): Map<string, string[]> {
  const parent = new Map(activations.map((name) => [name, name]));
  const find = (name: string): string => {
    let root = name;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(name, root);
    return root;
  };
  for (const node of nodes) {
    if (!quantized.has(node.name)) continue;
    if (!VALUE_PRESERVING_OPS.has(node.opType) && !(shareConcatScales && node.opType === 'Concat')) continue;
    const [first, ...rest] = [...dataInputs(node), ...node.output];
    for (const name of rest) parent.set(find(name), find(first));
  }
  const members = new Map<string, string[]>();
  for (const name of activations) {
    const root = find(name);
    members.set(root, [...(members.get(root) ?? []), name]);
  }
  return new Map(activations.map((name) => [name, members.get(find(name))!]));
}
