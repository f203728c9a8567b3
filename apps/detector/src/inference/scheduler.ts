import { performance } from 'node:perf_hooks';
import { RequestRefusedError, shuttingDownRefusal } from './request-refused.error';

export interface SchedulerOptions {
  /** Requests that may wait per model; one more is refused at once (503 + Retry-After). */
  queueDepth: number;
  /** From admission (queue wait included) to the answer; beyond it the caller gets a 504 and the task is cancelled. */
  timeoutMs: number;
  retryAfterSeconds: number;
  /** What a lane serves, for refusals (default: the model of that name). */
  describeLane?: (lane: string) => string;
}

/** A unit of work on one model's runners; `signal` aborts when nobody waits for its result any more. */
export type ScheduledTask<T> = (signal: AbortSignal) => Promise<T>;

interface Waiting {
  start: () => void;
  reject: (error: unknown) => void;
}

/** One model's share of the scheduler: its runners' free slots and its own queue. */
interface Lane {
  running: number;
  capacity: number;
  waiting: Waiting[];
}

export interface LaneStats {
  model: string;
  queued: number;
  running: number;
  capacity: number;
}

/**
 * Admission, one queue per model, deadlines and cancellation, in front of the model-affine runners. A model's
 * requests wait only behind that model's own queue: a burst for yolov5l fills yolov5l's queue and leaves yolov5s's
 * alone. A task whose caller gives up (client gone, deadline) is answered at once; if it already runs, its slot stays
 * taken until the task really ends (an ONNX Runtime run cannot be interrupted), so capacity is never overcommitted.
 */
export class Scheduler {
  private readonly lanes = new Map<string, Lane>();
  private closed = false;

  constructor(private readonly options: SchedulerOptions) {}

  /**
   * Runs `task` once one of the model's `capacity` slots is free. Rejects with a RequestRefusedError: queue_full
   * (503) when the model's queue is full, timeout (504) past the deadline, shutting_down (503) once closed, or the
   * caller's signal's reason (client_closed) when it aborts.
   */
  async schedule<T>(model: string, capacity: number, task: ScheduledTask<T>, signal?: AbortSignal): Promise<{ result: T; queueMs: number }> {
    if (this.closed) throw shuttingDownRefusal(this.options.retryAfterSeconds);
    signal?.throwIfAborted();
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const abandon = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const lane = this.lane(model, capacity);
    const enqueued = performance.now();
    try {
      await this.admit(model, lane, abandon);
    } catch (error) {
      throw this.refusal(error, deadline);
    }
    const queueMs = performance.now() - enqueued;
    const work = task(abandon);
    // The slot stays taken until the task really ends, even when its caller has given up on it.
    work.then(() => this.release(lane), () => this.release(lane));
    try {
      return { result: await abandonable(work, abandon), queueMs };
    } catch (error) {
      throw abandon.aborted ? this.refusal(abandon.reason, deadline) : error;
    }
  }

  private lane(model: string, capacity: number): Lane {
    let lane = this.lanes.get(model);
    if (!lane) {
      lane = { running: 0, capacity, waiting: [] };
      this.lanes.set(model, lane);
    }
    lane.capacity = capacity;
    return lane;
  }

  private admit(model: string, lane: Lane, signal: AbortSignal): Promise<void> {
    if (lane.running < lane.capacity && lane.waiting.length === 0) {
      lane.running++;
      return Promise.resolve();
    }
    if (lane.waiting.length >= this.options.queueDepth) return Promise.reject(this.queueFull(model));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        lane.waiting.splice(lane.waiting.indexOf(entry), 1);
        reject(signal.reason);
      };
      const entry: Waiting = {
        start: () => {
          signal.removeEventListener('abort', onAbort);
          lane.running++;
          resolve();
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      lane.waiting.push(entry);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(lane: Lane) {
    lane.running--;
    if (this.closed) return;
    while (lane.running < lane.capacity && lane.waiting.length > 0) lane.waiting.shift()!.start();
  }

  /** The refusal of a request the scheduler gave up on: its deadline passed, or the reason its caller aborted with. */
  private refusal(error: unknown, deadline: AbortSignal): unknown {
    if (error instanceof RequestRefusedError) return error;
    if (deadline.aborted) {
      return new RequestRefusedError('timeout', `The detection did not finish within the service's ${this.options.timeoutMs} ms request timeout; it was abandoned.`, this.options.retryAfterSeconds);
    }
    if (error instanceof Error && error.name === 'AbortError') return new RequestRefusedError('client_closed', 'The client closed the request; its detection was abandoned.');
    return error;
  }

  queueFull(model: string): RequestRefusedError {
    const { queueDepth, retryAfterSeconds } = this.options;
    return new RequestRefusedError(
      'queue_full',
      `${this.options.describeLane?.(model) ?? `Model ${model}`} is at capacity: its runners are busy and ${queueDepth} request(s) are already waiting. Retry after ${retryAfterSeconds} s.`,
      retryAfterSeconds,
    );
  }

  /** True when every model that has taken requests is at capacity with a full queue: a new detection would be refused. */
  isSaturated(): boolean {
    const lanes = [...this.lanes.values()];
    return lanes.length > 0 && lanes.every((lane) => lane.running >= lane.capacity && lane.waiting.length >= this.options.queueDepth);
  }

  stats(): LaneStats[] {
    return [...this.lanes].map(([model, lane]) => ({ model, queued: lane.waiting.length, running: lane.running, capacity: lane.capacity }));
  }

  /** Forgets a model's lane (its runners are gone); its waiting requests are refused. */
  drop(model: string, refusal: RequestRefusedError | Error) {
    const lane = this.lanes.get(model);
    if (!lane) return;
    for (const entry of lane.waiting.splice(0)) entry.reject(refusal);
    if (lane.running === 0) this.lanes.delete(model);
  }

  /** Refuses new tasks and the waiting ones (shutting_down); running tasks finish. */
  close() {
    this.closed = true;
    const refusal = shuttingDownRefusal(this.options.retryAfterSeconds);
    for (const lane of this.lanes.values()) for (const entry of lane.waiting.splice(0)) entry.reject(refusal);
  }
}

/** `work`'s result, or the signal's reason as soon as it aborts (the work itself goes on). */
function abandonable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
