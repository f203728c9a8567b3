import { defaultOpsetVersion, OnnxDataType, OnnxModel, OnnxNode, OnnxTensor } from '@app/onnx-writer/onnx-proto';

/** Per-channel DequantizeLinear (its `axis` attribute) exists from ai.onnx opset 13. */
export const QDQ_PER_CHANNEL_OPSET = 13;
/** Resize and the other ops of a YOLOv5 export have their opset-13 signature from opset 11 on. */
const OLDEST_UPGRADABLE_OPSET = 11;

/** Opset 13 turned these attributes into int64 inputs (op type → attribute name and input position). */
const ATTRIBUTES_BECOME_INPUTS: Record<string, { attribute: string; input: number }> = {
  Split: { attribute: 'split', input: 1 },
  Squeeze: { attribute: 'axes', input: 1 },
  Unsqueeze: { attribute: 'axes', input: 1 },
  ReduceSum: { attribute: 'axes', input: 1 },
};

/**
 * Raises an opset 11-12 model to opset 13 in place, so that per-channel DequantizeLinear can be added. Only
 * Split, Squeeze, Unsqueeze and ReduceSum changed their signature between 11 and 13 (an attribute became an
 * input); every other op keeps its meaning. Returns the opset the model had.
 */
export function upgradeToOpset13(model: OnnxModel): number {
  const version = defaultOpsetVersion(model);
  if (version === undefined) throw new Error('the model imports no ai.onnx opset');
  if (version >= QDQ_PER_CHANNEL_OPSET) return version;
  if (version < OLDEST_UPGRADABLE_OPSET) {
    throw new Error(`opset ${version} is too old to convert here (${OLDEST_UPGRADABLE_OPSET} or newer needed); re-export the model with --opset 12 or newer`);
  }
  const taken = new Set(model.graph.initializer.map((tensor) => tensor.name));
  for (const node of model.graph.node) {
    if (node.domain && node.domain !== 'ai.onnx') continue;
    const change = ATTRIBUTES_BECOME_INPUTS[node.opType];
    if (!change) continue;
    const attribute = node.attribute.find((candidate) => candidate.name === change.attribute);
    if (!attribute) continue;
    const name = freshName(taken, `${node.name || node.opType}_${change.attribute}`);
    model.graph.initializer.push(int64Tensor(name, attribute.ints ?? []));
    node.attribute = node.attribute.filter((candidate) => candidate !== attribute);
    setInput(node, change.input, name);
  }
  for (const entry of model.opsetImport) if (!entry.domain || entry.domain === 'ai.onnx') entry.version = QDQ_PER_CHANNEL_OPSET;
  return version;
}

function setInput(node: OnnxNode, position: number, name: string): void {
  while (node.input.length < position) node.input.push('');
  node.input[position] = name;
}

function int64Tensor(name: string, values: readonly number[]): OnnxTensor {
  return { name, dims: [values.length], dataType: OnnxDataType.INT64, int64Data: [...values] };
}

function freshName(taken: Set<string>, base: string): string {
  let name = base;
  for (let n = 1; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}
