import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { DetectOptions } from '@app/vision';
import { ownedArrayBuffer } from '../common/owned-array-buffer';
import { DetectTaskResult, InferenceWorkerData, ModelFile, ModelLoadReport } from './inference-protocol';

export interface InferencePoolOptions extends InferenceWorkerData {
  threads: number;
  /** Tasks that may wait for a free worker; `detect` throws PoolQueueFullError beyond that. */
  queueDepth: number;
}

export class PoolQueueFullError extends Error {
  constructor(readonly queueDepth: number) {
    super(`All inference workers are busy and ${queueDepth} request(s) are already waiting.`);
    this.name = 'PoolQueueFullError';
  }
}

export class PoolClosedError extends Error {
  constructor() {
    super('The inference pool is shutting down.');
    this.name = 'PoolClosedError';
  }
}

export type PoolResult = DetectTaskResult & { queueMs: number };

/**
 * The worker threads that run inference (piscina), behind a bounded wait queue. Each worker holds its own ONNX
 * Runtime sessions; workers report model loads as 'model-load' events so the registry can tell when every worker
 * is warm.
 *
 * The queue is kept here rather than in piscina because piscina cancels a *running* task by terminating its worker,
 * which would throw away every loaded session (seconds to reload) and kill ORT mid-run. Instead, at most one task
 * per worker is handed to piscina; waiting tasks are dropped from this queue when their signal aborts, and a running
 * task is told through a shared flag, which the worker checks between stages (after decoding, before inference). An
 * ORT run in progress cannot be interrupted: it completes and its result is discarded, and its worker counts as busy
 * until then. Workers are never terminated: with onnxruntime-node 1.30, terminating a worker that holds sessions
 * while another worker runs one aborts the whole process (`terminate called after throwing an instance of
 * 'Napi::Error'`, reproduced here), so a decoder caught in an endless loop keeps its worker.
 */
export class InferencePool extends EventEmitter<{ 'model-load': [ModelLoadReport]; cancelled: [{ model: string; stage: string }] }> {
  private readonly piscina: Piscina;
  /** The tasks waiting for a worker, oldest first. */
  private readonly waiting: { start: () => void; reject: (error: Error) => void }[] = [];
  private running = 0;
  private closed = false;

  constructor(readonly options: InferencePoolOptions) {
    super();
    const { threads, models, eager, inferenceSize, intraOpThreads } = options;
    this.piscina = new Piscina({
      filename: join(__dirname, 'inference.worker.js'),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY, // sessions are expensive to load: workers live as long as the pool
      concurrentTasksPerWorker: 1,
      atomics: 'disabled', // tasks are async (ORT runs on its own threads)
      workerData: { models, eager, inferenceSize, intraOpThreads } satisfies InferenceWorkerData,
    });
    this.piscina.on('message', (message: ModelLoadReport) => {
      if (message?.type === 'model-load') this.emit('model-load', message);
    });
  }

  get threads(): number {
    return this.options.threads;
  }

  /** Requests waiting for a free worker. */
  get queueSize(): number {
    return this.waiting.length;
  }

  /** Tasks on a worker, including abandoned ones whose ORT run has not finished yet. */
  get runningCount(): number {
    return this.running;
  }

  /**
   * Runs one detection on a free worker, waiting in the queue if none is free. Rejects with PoolQueueFullError when
   * the queue is full, PoolClosedError once closing, or the signal's reason as soon as it aborts.
   */
  async detect(model: ModelFile, image: Uint8Array, options: DetectOptions, signal?: AbortSignal): Promise<PoolResult> {
    if (this.closed) throw new PoolClosedError();
    signal?.throwIfAborted();
    const enqueued = performance.now();
    await this.acquireWorker(signal);
    const queueMs = performance.now() - enqueued;
    const owned = ownedArrayBuffer(image);
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const work: Promise<DetectTaskResult> = this.piscina.run({ model, image: owned, options, cancel }, { transferList: [owned] });
    // The worker stays taken until the task really ends, even when its caller has given up on it.
    work.then(
      (result) => {
        this.releaseWorker();
        if (!result.ok && result.error.kind === 'cancelled') this.emit('cancelled', { model: model.name, stage: result.error.stage });
      },
      () => this.releaseWorker(),
    );
    const result = signal ? await this.abandonOnAbort(work, signal, () => Atomics.store(cancel, 0, 1)) : await work;
    return { ...result, queueMs };
  }

  private abandonOnAbort<T>(work: Promise<T>, signal: AbortSignal, cancel: () => void): Promise<T> {
    if (signal.aborted) {
      cancel();
      return Promise.reject(signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        cancel();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private acquireWorker(signal?: AbortSignal): Promise<void> {
    if (this.running < this.threads && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.queueDepth) return Promise.reject(new PoolQueueFullError(this.options.queueDepth));
    return new Promise<void>((resolve, reject) => {
      const entry = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.running++;
          resolve();
        },
        reject: (error: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(signal!.reason);
      };
      this.waiting.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaseWorker() {
    this.running--;
    if (this.closed) return;
    this.waiting.shift()?.start();
  }

  /** Refuses new tasks, drops the waiting ones (PoolClosedError), lets running ones finish, then stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.waiting.splice(0)) entry.reject(new PoolClosedError());
    await this.piscina.close();
  }
}
