import { OnnxDataType, OnnxModel } from '@app/onnx-writer/onnx-proto';

/**
 * A copy of the model's graph that also outputs the given intermediate tensors (float32, shape left to the
 * runtime), so a calibration run can read the activations that will be quantized. The model is not changed.
 */
export function withTensorsAsOutputs(model: OnnxModel, tensors: readonly string[]): OnnxModel {
  const existing = new Set(model.graph.output.map((output) => output.name));
  const extra = tensors
    .filter((name) => !existing.has(name))
    .map((name) => ({ name, type: { tensorType: { elemType: OnnxDataType.FLOAT } } }));
  return { ...model, graph: { ...model.graph, output: [...model.graph.output, ...extra] } };
}
