import { parentPort, threadId, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { DEFAULT_DETECT_OPTIONS, ImageError, releaseBytes } from '@app/vision';
import { detectorSessionOptions, loadYoloModel, YoloDetector } from '@app/vision/runtime';
import { inLoadTurn } from './load-turn';
import { DetectTask, DetectTaskResult, ReleaseTask, RunnerLoadReport, RunnerWorkerData } from './runner-protocol';
import { lowerBackgroundThreadsPriority, lowerThisThreadPriority } from './thread-priority';

/**
 * A runner thread: owns the ONNX Runtime session of one model (the one it was started for, never another) and runs
 * the whole image pipeline for it (decode, letterbox, run, NMS), so the main thread's event loop never blocks on it.
 */
const config = workerData as RunnerWorkerData;
// Before the session exists, so that ONNX Runtime's threads inherit it: inference yields to the HTTP thread.
lowerThisThreadPriority();
let detector: Promise<YoloDetector> | null = null;

function report(message: Omit<RunnerLoadReport, 'type' | 'threadId' | 'version'>) {
  parentPort?.postMessage({ type: 'model-load', threadId, version: config.version, ...message } satisfies RunnerLoadReport);
}

async function loadDetector(): Promise<YoloDetector> {
  const started = performance.now();
  try {
    const model = await inLoadTurn(config.loadTurn, () => loadYoloModel(config.file, detectorSessionOptions(config.intraOpThreads), config.shapePolicy));
    const loaded = new YoloDetector(model, config.inferenceSize);
    // Warm-up: the first run allocates ORT's buffers and is several times slower than the next ones. A half-size grey
    // picture of the input's shape is enlarged to fill it, so the letterbox kernel runs (and reserves its tensor) too.
    const input = loaded.inputSizeFor({ height: config.inferenceSize, width: config.inferenceSize });
    const [width, height] = [Math.ceil(input.width / 2), Math.ceil(input.height / 2)];
    const grey = { width, height, channels: 3 as const, data: new Uint8Array(width * height * 3) };
    await loaded.processBitmap(grey, DEFAULT_DETECT_OPTIONS, input);
    // Reading the model has started libuv's pool by now: decoding and garbage collection yield to the HTTP thread.
    lowerBackgroundThreadsPriority();
    // The load's garbage (the file's graph decoded, rewritten and encoded again) goes before the main thread trims the
    // C heap: this thread may stay idle, and so uncollected, for hours. `gc` is there with SERVICE_NODE_FLAGS.
    (globalThis as { gc?: () => void }).gc?.();
    report({ loadMs: performance.now() - started, shape: model.shape });
    return loaded;
  } catch (error) {
    report({ error: (error as Error).message });
    throw error;
  }
}

/** A failed load is remembered: the catalog marks the model failed and sends no more work until its file changes. */
const detectorOnce = () => (detector ??= loadDetector());

/** Thrown at a stage boundary once the main thread has given up on the task. */
class TaskCancelled extends Error {
  constructor(readonly stage: string) {
    super(`cancelled before ${stage}`);
  }
}

async function handleDetectTask(task: DetectTask): Promise<DetectTaskResult> {
  const checkpoint = (stage: string) => {
    if (Atomics.load(task.cancel, 0) === 1) throw new TaskCancelled(stage);
  };
  // The photo is given back however the task ends (cancelled while queued, the model failed, answered).
  const image = new Uint8Array(task.image);
  try {
    let ready: YoloDetector;
    try {
      ready = await detectorOnce();
    } catch (error) {
      return { ok: false, error: { kind: 'model', message: (error as Error).message } };
    }
    checkpoint('decode');
    return { ok: true, outcome: await ready.detect(image, task.options, checkpoint) };
  } catch (error) {
    if (error instanceof TaskCancelled) return { ok: false, error: { kind: 'cancelled', stage: error.stage } };
    if (error instanceof ImageError) return { ok: false, error: { kind: 'image', imageKind: error.kind, message: error.message } };
    throw error;
  } finally {
    releaseBytes(image);
  }
}

/** Releases this runner's session, so that its thread can be stopped safely; answers which thread it was. */
async function release(): Promise<number> {
  const loaded = await detector?.catch(() => null);
  detector = null;
  await loaded?.release();
  return threadId;
}

async function start() {
  if (config.eager) await detectorOnce().catch(() => undefined);
  return (task: DetectTask | ReleaseTask) => ('release' in task ? release() : handleDetectTask(task));
}

export default start();
