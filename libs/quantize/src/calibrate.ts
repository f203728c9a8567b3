import { readFileSync } from 'node:fs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { encodeOnnxModel, OnnxModel } from '@app/onnx-writer';
import { ActivationRangeCollector } from './activation-ranges';
import { withTensorsAsOutputs } from './calibration-outputs';
import { DEFAULT_INFERENCE_SIZE, dynamicInputSize, InputSize, letterboxToTensor, ModelContract, planLetterbox, releaseOutputs } from '@app/vision';
import { decodeImage } from '@app/vision/imaging';


export interface CalibrationOptions {
  model: OnnxModel;
  contract: ModelContract;
  stride: number;
  /** The activations to measure. */
  tensors: readonly string[];
  photos: readonly string[];
  intraOpThreads: number;
  onPhoto?: (done: number, total: number, photo: string, milliseconds: number) => void;
}

/**
 * Runs the float model on each photo, prepared exactly as the service prepares a request (letterboxed to the
 * model's input, or to AutoShape's stride rectangle for a dynamic model), with the given activations exposed
 * as extra outputs, and collects their value histograms.
 */
export async function collectActivationRanges(options: CalibrationOptions): Promise<ActivationRangeCollector> {
  const { contract, tensors, photos } = options;
  const session = await InferenceSession.create(encodeOnnxModel(withTensorsAsOutputs(options.model, tensors)), {
    intraOpNumThreads: options.intraOpThreads,
    graphOptimizationLevel: 'basic',
  });
  const collector = new ActivationRangeCollector();
  try {
    for (const [index, photo] of photos.entries()) {
      const started = performance.now();
      const input = await photoTensor(readFileSync(photo), contract, options.stride);
      const outputs = await session.run({ [contract.inputName]: input }, [...tensors]);
      for (const name of tensors) collector.add(name, outputs[name].data as Float32Array);
      releaseOutputs(outputs);
      options.onPhoto?.(index + 1, photos.length, photo, performance.now() - started);
    }
  } finally {
    await session.release();
  }
  return collector;
}

/** A photo as the service feeds it to the model: letterboxed to its fixed input or to AutoShape's stride rectangle. */
export async function photoTensor(bytes: Uint8Array, contract: ModelContract, stride: number): Promise<Tensor> {
  const sizeFor = (image: InputSize): InputSize =>
    contract.inputHeight !== null && contract.inputWidth !== null
      ? { height: contract.inputHeight, width: contract.inputWidth }
      : dynamicInputSize(image, DEFAULT_INFERENCE_SIZE, stride);
  const bitmap = await decodeImage(bytes, { resampleTo: (image) => planLetterbox(image, sizeFor(image)).resized });
  const input = sizeFor(bitmap.fullSize);
  const data = letterboxToTensor(bitmap, planLetterbox(bitmap.fullSize, input), new Float32Array(3 * input.height * input.width));
  return new Tensor('float32', data, [1, 3, input.height, input.width]);
}
