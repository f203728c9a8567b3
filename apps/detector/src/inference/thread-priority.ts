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

/**
 * The names Linux shows for the process-wide threads that do the runners' background work: libuv's pool, where sharp
 * decodes, libvips' workers, and V8's platform workers, which run the runner threads' garbage collection (a runner
 * collects every few requests: decoded photos and model outputs are megabytes each).
 */
const BACKGROUND_THREAD_NAMES = new Set(['libuv-worker', 'libvips worker', 'V8Worker']);

/**
 * Lowers the process-wide background threads to the runners' nice value, as lowerThisThreadPriority does for
 * inference. They exist before any runner and started at the main thread's priority (libvips' own workers, started
 * from libuv's, inherit theirs), so decoding and the runners' garbage collection took the cores from the HTTP thread as
 * much as it took them back. Measured with 4 clients on 2 cores, interleaved: lowering libuv's and libvips' threads
 * took /health p95 from 5.8-7.3 to 4.1-5.4 ms (yolov5s, yolov5n); lowering V8's workers too took p99 from 10.3-12.5 to
 * 8.2-11.3 ms and the worst probe from 23-39 to 13-29 ms, throughput unchanged. The main thread's own file reads (the
 * models folder scan, the page's files) and its garbage collection helpers run at this priority too, which nothing
 * waits on under load. Returns how many threads it changed (0 where there is no /proc).
 */
export function lowerBackgroundThreadsPriority(nice: number = INFERENCE_THREAD_NICE): number {
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
      if (!BACKGROUND_THREAD_NAMES.has(readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim())) continue;
      if (getPriority(threadId) >= nice) continue;
      setPriority(threadId, nice);
      changed++;
    } catch {
      // the thread ended meanwhile
    }
  }
  return changed;
}
