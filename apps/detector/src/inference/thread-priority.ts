import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Nice value of the runner threads: they yield to the main thread, which answers HTTP (health probes included) and
 * parses request bodies, and still get every cycle it does not need (docs/architecture.md, "Threads and memory").
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
 * inference: they start at the main thread's priority (libvips' own workers inherit libuv's), so decoding and the
 * runners' garbage collection would take the cores from the HTTP thread. The main thread's own file reads and
 * collection helpers run at this priority too, which nothing waits on under load. Returns how many threads it
 * changed (0 where there is no /proc).
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
