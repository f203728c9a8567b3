import { parentPort, workerData } from 'node:worker_threads';
import { makeInt8Twins } from '@app/quantize/runtime';
import { lowerThisThreadPriority } from '../inference/thread-priority';
import { Int8TwinsMessage, Int8TwinsWorkerData, STOP_MESSAGE } from './int8-twins-protocol';

/** The lowest priority: making twins takes only the cycles that serving leaves. */
const TWIN_THREAD_NICE = 19;

/**
 * Makes the INT8 twins in the background, one after another. Before any session exists, so that ONNX Runtime's
 * threads inherit it, this thread drops to the lowest priority.
 */
const data = workerData as Int8TwinsWorkerData;
lowerThisThreadPriority(TWIN_THREAD_NICE);
let stopRequested = false;
parentPort?.on('message', (message) => {
  if (message === STOP_MESSAGE) stopRequested = true;
});
const post = (message: Int8TwinsMessage) => parentPort?.postMessage(message);

void makeInt8Twins({ ...data, onEvent: post, stopRequested: () => stopRequested }).then((completed) => {
  post({ type: 'finished', completed });
  parentPort?.close();
});
