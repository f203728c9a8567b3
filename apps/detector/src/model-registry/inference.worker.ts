import { parentPort, threadId, workerData } from 'node:worker_threads';
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { InferenceSession } from 'onnxruntime-node';
import { DEFAULT_DETECT_OPTIONS, ImageError } from '@app/vision';
import { detectorSessionOptions, loadYoloModel, YoloDetector } from '@app/vision/runtime';
import { DetectTask, DetectTaskResult, InferenceWorkerData, ModelFile, ModelLoadReport } from './inference-protocol';
import { lowerThisThreadPriority } from './thread-priority';

/**
 * An inference worker thread: owns one ONNX Runtime session per model and runs the whole image pipeline
 * (decode, letterbox, run, NMS), so the main thread's event loop never blocks on it.
 */
const config = workerData as InferenceWorkerData;
const sessionOptions = detectorSessionOptions(config.intraOpThreads);
// Before any session exists, so that ONNX Runtime's threads inherit it: inference yields to the HTTP thread.
lowerThisThreadPriority();
const detectors = new Map<string, Promise<YoloDetector>>();

const shapeOf = (value: InferenceSession.ValueMetadata) => (value.isTensor ? [...value.shape] : []);

function report(message: Omit<ModelLoadReport, 'type' | 'threadId'>) {
  parentPort?.postMessage({ type: 'model-load', threadId, ...message } satisfies ModelLoadReport);
}

/** Identifies one version of a model file: replacing or rewriting the file changes it. */
const fileVersion = (file: string) => stat(file).then(({ ino, size, mtimeMs }) => `${ino}:${size}:${mtimeMs}`, () => 'unreadable');

/** The last failed load of each model and the file version it failed on: loading it again would fail again. */
const failedLoads = new Map<string, { version: string; error: Error }>();

async function loadDetector(name: string, file: string): Promise<YoloDetector> {
  const version = await fileVersion(file);
  const failed = failedLoads.get(name);
  // A broken file (a 180 MB yolov5l among them) is parsed once, not on every request, until it changes.
  if (failed?.version === version) throw failed.error;
  const started = performance.now();
  try {
    const model = await loadYoloModel(file, sessionOptions);
    const detector = new YoloDetector(model, config.inferenceSize);
    // Warm-up: the first run allocates ORT's buffers and is several times slower than the next ones.
    const input = detector.inputSizeFor({ height: config.inferenceSize, width: config.inferenceSize });
    const grey = { width: input.width, height: input.height, channels: 3 as const, data: new Uint8Array(input.width * input.height * 3) };
    await detector.detectBitmap(grey, DEFAULT_DETECT_OPTIONS);
    failedLoads.delete(name);
    report({
      name,
      description: {
        inputShape: shapeOf(model.session.inputMetadata[0]),
        outputShape: shapeOf(model.session.outputMetadata[0]),
        classNames: model.metadata.names,
        stride: model.metadata.stride,
        randomWeights: model.metadata.randomWeights,
        loadMs: performance.now() - started,
      },
    });
    return detector;
  } catch (error) {
    failedLoads.set(name, { version, error: error as Error });
    report({ name, error: (error as Error).message });
    throw error;
  }
}

function detectorFor({ name, file }: ModelFile): Promise<YoloDetector> {
  let detector = detectors.get(name);
  if (!detector) {
    detector = loadDetector(name, file);
    detector.catch(() => detectors.delete(name)); // a later request looks at the file again
    detectors.set(name, detector);
  }
  return detector;
}

/** Thrown at a stage boundary once the main thread has given up on the task. */
class TaskCancelled extends Error {
  constructor(readonly stage: string) {
    super(`cancelled before ${stage}`);
  }
}

async function runDetectTask(task: DetectTask): Promise<DetectTaskResult> {
  const checkpoint = (stage: string) => {
    if (Atomics.load(task.cancel, 0) === 1) throw new TaskCancelled(stage);
  };
  let detector: YoloDetector;
  try {
    detector = await detectorFor(task.model);
  } catch (error) {
    return { ok: false, error: { kind: 'model', message: (error as Error).message } };
  }
  try {
    checkpoint('decode');
    return { ok: true, outcome: await detector.detect(new Uint8Array(task.image), task.options, checkpoint) };
  } catch (error) {
    if (error instanceof TaskCancelled) return { ok: false, error: { kind: 'cancelled', stage: error.stage } };
    if (error instanceof ImageError) return { ok: false, error: { kind: 'image', imageKind: error.kind, message: error.message } };
    throw error;
  }
}

async function start() {
  if (config.eager) {
    await Promise.allSettled(config.models.map(detectorFor));
  }
  return runDetectTask;
}

export default start();
