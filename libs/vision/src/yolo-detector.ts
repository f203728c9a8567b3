import { performance } from 'node:perf_hooks';
import { Tensor } from 'onnxruntime-node';
import { decodeImage } from './image-decoder';
import { dynamicInputSize, InputSize, planLetterbox, Bitmap } from './letterbox';
import { LetterboxKernel } from './letterbox-tensor';
import { selectDetections } from './nms';
import { scaleBoxesToImage, toDetection } from './scale-boxes';
import { DEFAULT_INFERENCE_SIZE, DetectionOutcome, DetectOptions } from './detection';
import { LoadedYoloModel } from './yolo-session';
import { decodeHeadOutput } from './yolo-output';
import { releaseBytes, releaseOutputs } from './release-bytes';

/**
 * The whole per-image pipeline for one loaded model: decode → letterbox into the kernel's reused tensor →
 * session.run → candidates (by head layout) → per-class NMS (none for end-to-end outputs) → boxes in original pixels. Runs inside a worker thread.
 */
export class YoloDetector {
  private readonly letterboxKernel = new LetterboxKernel();
  /**
   * The end of the last tensor stage: one image at a time fills the kernel's tensor and runs the session, so no
   * letterbox (which may grow the kernel's memory, detaching the tensor's view) happens while ONNX Runtime reads it.
   */
  private tensorStage: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly model: LoadedYoloModel,
    private readonly inferenceSize = DEFAULT_INFERENCE_SIZE,
  ) {}

  /** Frees the ONNX Runtime session (the detector is unusable afterwards). */
  release(): Promise<void> {
    return this.model.session.release();
  }

  inputSizeFor(image: InputSize, inputSize = this.inferenceSize): InputSize {
    const { inputHeight, inputWidth } = this.model.contract;
    if (inputHeight !== null && inputWidth !== null) return { height: inputHeight, width: inputWidth };
    // A dynamic export pinned to a square: the input size's stride-multiple square.
    const letterboxed = this.model.shape.policy === 'fixed' ? { height: inputSize, width: inputSize } : image;
    return dynamicInputSize(letterboxed, inputSize, this.model.metadata.stride);
  }

  /** `checkpoint(nextStage)` is called between stages: throwing from it abandons the detection (e.g. a timeout). */
  async detect(bytes: Uint8Array, options: DetectOptions, checkpoint?: (nextStage: 'inference') => void): Promise<DetectionOutcome> {
    const started = performance.now();
    // A photo much larger than the model input is shrunk while decoding, straight to its letterboxed size.
    const bitmap = await decodeImage(bytes, { channels: 3, resampleTo: (image) => planLetterbox(image, this.inputSizeFor(image, options.inputSize)).resized });
    const decoded = performance.now();
    try {
      const outcome = await this.processBitmap(bitmap, options, bitmap.fullSize, () => checkpoint?.('inference'));
      outcome.timings.decode = decoded - started;
      return outcome;
    } finally {
      releaseBytes(bitmap.data);
    }
  }

  /**
   * `image` is the picture's full size, which boxes are scaled to: larger than the bitmap when it was shrunk on load.
   * Concurrent calls take turns (the next image can decode meanwhile); `beforeRun` is called when this one's turn
   * comes, and throwing from it skips the run.
   */
  processBitmap(bitmap: Bitmap, options: DetectOptions, image: InputSize = { height: bitmap.height, width: bitmap.width }, beforeRun?: () => void): Promise<DetectionOutcome> {
    const turn = this.tensorStage.then(() => {
      beforeRun?.();
      return this.tensorStageOf(bitmap, options, image);
    });
    this.tensorStage = turn.catch(() => undefined);
    return turn;
  }

  private async tensorStageOf(bitmap: Bitmap, options: DetectOptions, image: InputSize): Promise<DetectionOutcome> {
    const { contract, metadata, session } = this.model;
    const started = performance.now();
    const input = this.inputSizeFor(image, options.inputSize);
    const tensorData = this.letterboxKernel.letterbox(bitmap, planLetterbox(image, input));
    const tensor = new Tensor('float32', tensorData, [1, 3, input.height, input.width]);
    const preprocessed = performance.now();

    const results = await session.run({ [contract.inputName]: tensor });
    const inferred = performance.now();

    const output = results[contract.outputName];
    const classFilter = options.classes === null ? null : new Set(options.classes.map((name) => metadata.names.indexOf(name)));
    let candidates: ReturnType<typeof decodeHeadOutput>;
    try {
      candidates = decodeHeadOutput(contract.headLayout, output.data as Float32Array, output.dims, contract.numClasses, {
        confidenceThreshold: options.confidenceThreshold,
        classes: classFilter,
      });
    } finally {
      releaseOutputs(results);
    }
    const kept = selectDetections(contract.headLayout, candidates, options.iouThreshold, options.maxDetections);
    const detections = scaleBoxesToImage(kept, input, image).map((box) => toDetection(box, metadata.names, options.floatBoxes));
    const finished = performance.now();
    return {
      detections,
      image,
      input,
      timings: { decode: 0, preprocess: preprocessed - started, inference: inferred - preprocessed, postprocess: finished - inferred },
    };
  }
}
