import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Nice value of the runner threads: they yield to the main thread, which answers HTTP (health probes
 * included) and parses request bodies. Measured with 4 clients on 2 cores: GET /health p99 halves (17 → 9 ms)
 * with the same throughput, since the workers still get every cycle the main thread does not need.
 */
export const INFERENCE_THREAD_NICE = 10;

/**
 * Lowers the priority of the calling thread only (Linux gives each thread its own nice value, and threads started
 * from it, such as ONNX Runtime's intra-op pool created with a session, inherit it); a thread already nicer is left
 * alone. Returns false where that is not possible (no /proc/thread-self: another OS).
 */
export function lowerThisThreadPriority(nice: number = INFERENCE_THREAD_NICE): boolean {
  let threadId: number;
  try {
    threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return false;
  }
  if (!Number.isSafeInteger(threadId)) return false;
  if (getPriority(threadId) < nice) setPriority(threadId, nice);
  return true;
}

/** The names Linux shows for the threads that decode images: libuv's pool, where sharp runs, and libvips' workers. */
const DECODING_THREAD_NAMES = new Set(['libuv-worker', 'libvips worker']);

/**
 * Lowers the threads that decode images to the runners' nice value, as lowerThisThreadPriority does for inference.
 * sharp decodes on libuv's thread pool, which the whole process shares and which exists before any runner, so its
 * threads started at the main thread's priority (libvips' own workers, started from them, inherit theirs). There they
 * took the cores from the HTTP thread as much as it took them back: /health p99 under 4-client load was 11-16 ms with
 * yolov5n and yolov5s. The main thread's own file reads (the models folder scan, the page's files) run at this
 * priority too, which nothing waits on under load. Returns how many threads it changed (0 where there is no /proc).
 */
export function lowerDecodingThreadsPriority(nice: number = INFERENCE_THREAD_NICE): number {
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let changed = 0;
  for (const task of tasks) {
    try {
      const threadId = Number(task);
      if (!DECODING_THREAD_NAMES.has(readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim())) continue;
      if (getPriority(threadId) >= nice) continue;
      setPriority(threadId, nice);
      changed++;
    } catch {
      // the thread ended meanwhile
    }
  }
  return changed;
}
