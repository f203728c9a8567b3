import { floatValues, OnnxAttributeType, OnnxDataType, OnnxModel, OnnxNode, OnnxTensor } from '@app/onnx-writer/onnx-proto';
import { ValueRange } from './activation-ranges';
import { upgradeToOpset13 } from './opset-upgrade';
import { QuantizationPlan } from './quantization-plan';
import type { TwinAgreement } from './twin-agreement';

/** Metadata key of the settings a quantized model was made with (JSON); the float model's own metadata is kept. */
export const QUANTIZATION_METADATA_KEY = 'quantization';

export interface QuantizationSettings {
  /** How the activation ranges were found, e.g. { method: 'percentile', percentile: 99.999, images: 32 }. */
  calibration: Record<string, unknown>;
  /** The float model's file name, for the record. */
  source?: string;
}

export interface QuantizationRecord extends QuantizationSettings {
  format: 'QDQ';
  weights: 'int8 symmetric per output channel';
  activations: 'uint8 asymmetric per tensor';
  quantizedNodes: number;
  floatConvs: string[];
  /** Added once the written twin has run beside its float model (absent in twins made before it was measured). */
  agreement?: TwinAgreement;
}

export interface UInt8Parameters {
  scale: number;
  zeroPoint: number;
}

/** uint8 scale and zero point covering `range` (which holds 0, so 0.0 is exactly representable). */
export function uint8Parameters({ min, max }: ValueRange): UInt8Parameters {
  const low = Math.min(0, min);
  const high = Math.max(0, max);
  const scale = high > low ? (high - low) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-low / scale))) };
}

export interface PerChannelWeights {
  values: Int8Array;
  scales: Float32Array;
}

/** Symmetric int8 per output channel (axis 0): scale = max |w| / 127, zero point 0. */
export function quantizeWeightsPerChannel(weights: Float32Array, channels: number): PerChannelWeights {
  const perChannel = weights.length / channels;
  const values = new Int8Array(weights.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let largest = 0;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) largest = Math.max(largest, Math.abs(weights[i]));
    const scale = largest > 0 ? largest / 127 : 1;
    scales[c] = scale;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) values[i] = Math.max(-127, Math.min(127, Math.round(weights[i] / scale)));
  }
  return { values, scales };
}

const INT32_LIMIT = 2 ** 31 - 1;

/** ONNX Runtime fuses QLinearConv only with an int32 bias quantized at input scale × weight scale, zero point 0. */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { values: Int32Array; scales: Float32Array } {
  const scales = weightScales.map((weightScale) => inputScale * weightScale);
  const values = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) values[c] = Math.max(-INT32_LIMIT, Math.min(INT32_LIMIT, Math.round(bias[c] / scales[c])));
  return { values, scales };
}

/**
 * Rewrites a float model into ONNX Runtime's QDQ form following `plan`: each planned activation gets
 * QuantizeLinear → DequantizeLinear right after it is produced, and every consumer reads the dequantized copy;
 * each quantized Conv reads int8 weights and an int32 bias through their own DequantizeLinear. Everything else
 * (inputs, outputs, float nodes, metadata) is kept. `ranges` holds every planned activation; the model is
 * raised to opset 13 (per-channel DequantizeLinear) and changed in place.
 */
export function quantizeModel(model: OnnxModel, plan: QuantizationPlan, ranges: ReadonlyMap<string, ValueRange>, settings: QuantizationSettings): OnnxModel {
  upgradeToOpset13(model);
  const graph = model.graph;
  const parameters = activationParameters(plan, ranges);
  const initializers = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]));
  const added: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];
  const dequantized = (tensor: string) => `${tensor}_dequantized`;

  const quantizeActivation = (tensor: string) => {
    const { scale, zeroPoint } = parameters.get(tensor)!;
    const scaleName = `${tensor}_scale`;
    const zeroPointName = `${tensor}_zero_point`;
    added.push(floatTensor(scaleName, [], Float32Array.of(scale)), bytesTensor(zeroPointName, [], OnnxDataType.UINT8, Uint8Array.of(zeroPoint)));
    nodes.push(
      { name: `${tensor}_QuantizeLinear`, opType: 'QuantizeLinear', input: [tensor, scaleName, zeroPointName], output: [`${tensor}_quantized`], attribute: [] },
      { name: `${tensor}_DequantizeLinear`, opType: 'DequantizeLinear', input: [`${tensor}_quantized`, scaleName, zeroPointName], output: [dequantized(tensor)], attribute: [] },
    );
  };

  const planned = new Set(plan.activations);
  for (const input of graph.input) if (planned.has(input.name)) quantizeActivation(input.name);
  for (const node of graph.node) {
    if (node.opType === 'Conv' && plan.quantizedNodes.has(node.name)) {
      nodes.push(...quantizeConvParameters(node, initializers, parameters.get(node.input[0])!.scale, added));
    }
    node.input = node.input.map((input) => (planned.has(input) ? dequantized(input) : input));
    nodes.push(node);
    for (const output of node.output) if (planned.has(output)) quantizeActivation(output);
  }

  const stillUsed = new Set(nodes.flatMap((node) => node.input));
  graph.initializer = [...graph.initializer.filter((tensor) => stillUsed.has(tensor.name)), ...added];
  graph.node = nodes;
  setQuantizationRecord(model, plan, settings);
  return model;
}

/** One scale and zero point per activation, from the union of the ranges of its scale group. */
function activationParameters(plan: QuantizationPlan, ranges: ReadonlyMap<string, ValueRange>): Map<string, UInt8Parameters> {
  const parameters = new Map<string, UInt8Parameters>();
  for (const tensor of plan.activations) {
    const group = plan.scaleGroups.get(tensor) ?? [tensor];
    const union = group.reduce<ValueRange>(
      (joined, member) => {
        const range = ranges.get(member);
        if (!range) throw new Error(`no calibration range for activation ${member}`);
        return { min: Math.min(joined.min, range.min), max: Math.max(joined.max, range.max) };
      },
      { min: 0, max: 0 },
    );
    parameters.set(tensor, uint8Parameters(union));
  }
  return parameters;
}

/** Replaces the Conv's float weight and bias inputs by DequantizeLinear outputs of int8 / int32 initializers. */
function quantizeConvParameters(node: OnnxNode, initializers: Map<string, OnnxTensor>, inputScale: number, added: OnnxTensor[]): OnnxNode[] {
  const [, weightName, biasName] = node.input;
  const weight = initializers.get(weightName)!;
  const channels = weight.dims[0];
  const { values, scales } = quantizeWeightsPerChannel(floatValues(weight), channels);
  const prefix = node.name;
  const nodes: OnnxNode[] = [];
  const dequantize = (name: string, tensors: [OnnxTensor, OnnxTensor, OnnxTensor]): string => {
    added.push(...tensors);
    const output = `${name}_dequantized`;
    nodes.push({ name: `${name}_DequantizeLinear`, opType: 'DequantizeLinear', input: tensors.map((t) => t.name), output: [output], attribute: [{ name: 'axis', type: OnnxAttributeType.INT, i: 0 }] });
    return output;
  };
  node.input[1] = dequantize(`${prefix}_weight`, [
    bytesTensor(`${prefix}_weight_quantized`, weight.dims, OnnxDataType.INT8, values),
    floatTensor(`${prefix}_weight_scale`, [channels], scales),
    bytesTensor(`${prefix}_weight_zero_point`, [channels], OnnxDataType.INT8, new Int8Array(channels)),
  ]);
  if (biasName) {
    const bias = quantizeBias(floatValues(initializers.get(biasName)!), inputScale, scales);
    node.input[2] = dequantize(`${prefix}_bias`, [
      bytesTensor(`${prefix}_bias_quantized`, [channels], OnnxDataType.INT32, bias.values),
      floatTensor(`${prefix}_bias_scale`, [channels], bias.scales),
      bytesTensor(`${prefix}_bias_zero_point`, [channels], OnnxDataType.INT32, new Int32Array(channels)),
    ]);
  }
  return nodes;
}

function setQuantizationRecord(model: OnnxModel, plan: QuantizationPlan, settings: QuantizationSettings): void {
  const record: QuantizationRecord = {
    format: 'QDQ',
    weights: 'int8 symmetric per output channel',
    activations: 'uint8 asymmetric per tensor',
    ...settings,
    quantizedNodes: plan.quantizedNodes.size,
    floatConvs: plan.floatConvs.map((conv) => `${conv.node} (${conv.reason})`),
  };
  model.metadataProps = [...model.metadataProps.filter((entry) => entry.key !== QUANTIZATION_METADATA_KEY), { key: QUANTIZATION_METADATA_KEY, value: JSON.stringify(record) }];
}

function floatTensor(name: string, dims: number[], values: Float32Array): OnnxTensor {
  return bytesTensor(name, dims, OnnxDataType.FLOAT, values);
}

function bytesTensor(name: string, dims: number[], dataType: OnnxDataType, values: ArrayBufferView): OnnxTensor {
  return { name, dims, dataType, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}
