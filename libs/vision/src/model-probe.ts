import { checkModelContract, ModelContract } from './model-contract';
import { interpretYoloMetadata, readOnnxMetadata, YoloMetadata } from './onnx-metadata';
import { readOnnxSignature } from './onnx-signature';
import { decideModelShape, ShapePolicy, ShapePolicyDecision } from './shape-policy';

/** What a model file promises before any session is made: its export metadata and its checked input/output contract. */
export interface ModelProbe {
  metadata: YoloMetadata;
  /** The file's metadata entries as written (for entries other tools add, e.g. the quantizer's record). */
  properties: Record<string, string>;
  contract: ModelContract;
  inputShape: (number | string)[];
  outputShape: (number | string)[];
  /** The input shape policy a load with the requested policy will give it. */
  shape: ShapePolicyDecision;
}

/**
 * Checks a file against the YOLO export contracts from its bytes alone (no ONNX Runtime): what a models folder
 * is screened with, so a broken file is reported as soon as it appears. Throws an error naming the file and the fault.
 */
export async function probeModelFile(file: string, shapePolicy: ShapePolicy = 'rectangular'): Promise<ModelProbe> {
  const properties = await readOnnxMetadata(file);
  const metadata = interpretYoloMetadata(properties);
  const { inputs, outputs } = await readOnnxSignature(file);
  const contract = checkModelContract(file, inputs, outputs, metadata);
  const inputShape = [...(inputs[0].shape ?? [])];
  const shape = await decideModelShape(file, inputShape, shapePolicy);
  return { metadata, properties, contract, inputShape, outputShape: [...(outputs[0].shape ?? [])], shape };
}
