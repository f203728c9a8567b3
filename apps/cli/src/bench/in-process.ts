import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { YOLOV5_STRIDES } from '@app/onnx-writer';
import { DEFAULT_DETECT_OPTIONS, DEFAULT_INFERENCE_SIZE, dynamicInputSize, InputSize, planLetterbox, releaseOutputs, StageTimings } from '@app/vision';
import { detectorSessionOptions, loadYoloModel, LoadedYoloModel, YoloDetector } from '@app/vision/runtime';
import { decodeImage, ImageDecoderName } from '@app/vision/imaging';

export interface BenchPhoto {
  name: string;
  bytes: Buffer;
  /** The rectangle a dynamic model runs it at (AutoShape). */
  rectangle: InputSize;
  /** Which decoder the pipeline uses for it, and how. */
  decoder: ImageDecoderName;
}

/** The largest stride of the YOLOv5 heads, which a dynamic input's sides are multiples of. */
const MODEL_STRIDE = Math.max(...YOLOV5_STRIDES);

export const SQUARE: InputSize = { height: DEFAULT_INFERENCE_SIZE, width: DEFAULT_INFERENCE_SIZE };
/** "WxH", as the issue writes sizes (810x1080 → 480x640). */
export const shapeKey = ({ height, width }: InputSize) => `${width}x${height}`;

export async function loadPhotos(directory: string, names: readonly string[]): Promise<BenchPhoto[]> {
  return Promise.all(
    names.map(async (name) => {
      const bytes = readFileSync(join(directory, name));
      const rectangleOf = (size: InputSize) => dynamicInputSize(size, DEFAULT_INFERENCE_SIZE, MODEL_STRIDE);
      // As a dynamic model's detector asks for it: resampled to the letterboxed size of its rectangle.
      const decoded = await decodeImage(bytes, { resampleTo: (size) => planLetterbox(size, rectangleOf(size)).resized });
      return { name, bytes, rectangle: rectangleOf(decoded.fullSize), decoder: decoded.decoder };
    }),
  );
}

/**
 * Time of one bare `session.run` on a ready tensor. Its outputs are given back unread, as the service's runner gives
 * them back after decoding them: left to the collector they cost yolov5n's bare run ~2.7 ms of CPU and ~1.7 ms of
 * wall at 480x640 (docs/benchmarks.md), which is the harness's garbage, not inference.
 */
export async function timeBareRun(session: InferenceSession, input: Tensor): Promise<number> {
  const started = performance.now();
  const outputs = await session.run({ [session.inputNames[0]]: input });
  const elapsed = performance.now() - started;
  releaseOutputs(outputs);
  return elapsed;
}

/**
 * Bare runs back to back, as a loaded runner runs one task after another, until both minimums are reached; answers how
 * many ran. The warmest case (nothing else touches the caches between runs), so a ratio to it errs high, not low.
 */
export async function bareBurst(session: InferenceSession, input: Tensor, atLeast: { ms: number; runs: number }): Promise<number> {
  const started = performance.now();
  let runs = 0;
  while (runs < atLeast.runs || performance.now() - started < atLeast.ms) {
    await timeBareRun(session, input);
    runs++;
  }
  return runs;
}

/** A ready input tensor of the given shape (mid-grey: the cost of a run does not depend on the pixel values). */
export function readyTensor(shape: InputSize): Tensor {
  return new Tensor('float32', new Float32Array(3 * shape.height * shape.width).fill(0.5), [1, 3, shape.height, shape.width]);
}

export interface PipelineSample {
  totalMs: number;
  timings: StageTimings;
  input: InputSize;
}

/** The whole per-request pipeline in this thread: decode → letterbox → run → candidates → NMS → scaled boxes. */
export async function timePipeline(detector: YoloDetector, photo: BenchPhoto): Promise<PipelineSample> {
  const started = performance.now();
  const outcome = await detector.detect(photo.bytes, DEFAULT_DETECT_OPTIONS);
  return { totalMs: performance.now() - started, timings: outcome.timings, input: outcome.input };
}

/** One model, static (640x640) and dynamic (rectangles) files, opened as the service's workers open them. */
export interface InProcessModel {
  name: string;
  static: LoadedYoloModel;
  dynamic: LoadedYoloModel;
  staticDetector: YoloDetector;
  dynamicDetector: YoloDetector;
}

export async function openModel(name: string, staticFile: string, dynamicFile: string, intraOpThreads: number): Promise<InProcessModel> {
  const options = detectorSessionOptions(intraOpThreads);
  // Pinned to its square: the static side of the comparison is the 640x640 run.
  const staticModel = await loadYoloModel(staticFile, options, 'fixed');
  const dynamicModel = await loadYoloModel(dynamicFile, options);
  return {
    name,
    static: staticModel,
    dynamic: dynamicModel,
    staticDetector: new YoloDetector(staticModel),
    dynamicDetector: new YoloDetector(dynamicModel),
  };
}

export async function closeModel(model: InProcessModel) {
  await model.static.session.release();
  await model.dynamic.session.release();
}
