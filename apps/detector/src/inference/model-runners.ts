import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { DetectOptions } from '@app/vision';
import { TransferredImage } from '../common/transferred-image';
import { DetectTaskResult, ReleaseTask, RunnerLoadReport, RunnerWorkerData } from './runner-protocol';

export interface ModelRunnersOptions extends RunnerWorkerData {
  replicas: number;
}

/**
 * The runner threads of one model (piscina): each loads that model once and runs one image at a time. Workers are
 * never terminated while another may run a session: with onnxruntime-node 1.30, terminating a worker that holds a
 * session while another runs one aborts the whole process, so a running task is cancelled through a shared flag,
 * checked between stages, and piscina itself never sees an abort.
 */
export class ModelRunners extends EventEmitter<{ load: [RunnerLoadReport]; cancelled: [{ stage: string }] }> {
  private readonly piscina: Piscina;
  private closing: Promise<void> | null = null;

  constructor(readonly options: ModelRunnersOptions) {
    super();
    const { replicas, ...workerData } = options;
    this.piscina = new Piscina({
      filename: join(__dirname, 'runner.worker.js'),
      minThreads: replicas,
      maxThreads: replicas,
      idleTimeout: Number.POSITIVE_INFINITY, // a session is expensive to load: runners live as long as their model
      concurrentTasksPerWorker: 1,
      // The scheduler never hands out more tasks than there are runners; piscina's own queue stays empty.
      maxQueue: replicas,
      atomics: 'disabled', // tasks are async (ORT runs on its own threads)
      workerData: workerData satisfies RunnerWorkerData,
    });
    this.piscina.on('message', (message: RunnerLoadReport) => {
      if (message?.type === 'model-load') this.emit('load', message);
    });
  }

  get replicas(): number {
    return this.options.replicas;
  }

  /** Runs one detection; `image` is transferred to the runner. Aborting `signal` tells the runner to drop the task at its next stage. */
  async run(image: TransferredImage, options: DetectOptions, signal: AbortSignal): Promise<DetectTaskResult> {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => Atomics.store(cancel, 0, 1);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result: DetectTaskResult = await this.piscina.run({ image, options, cancel }, { transferList: [image] });
      if (!result.ok && result.error.kind === 'cancelled') this.emit('cancelled', { stage: result.error.stage });
      return result;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Lets running tasks finish, has each runner release its session, then stops the threads. Stopping a thread that
   * still holds a session while another model's runner is inside session.run aborts the whole process
   * (onnxruntime-node 1.30), and other models keep running while this one is retired (its file replaced or removed).
   */
  close(): Promise<void> {
    return (this.closing ??= this.releaseAndClose());
  }

  private async releaseAndClose(): Promise<void> {
    const runners = this.options.replicas;
    const started = new Int32Array(new SharedArrayBuffer(4));
    await Promise.allSettled(Array.from({ length: runners }, () => this.piscina.run({ release: true, started, runners } satisfies ReleaseTask)));
    await this.piscina.close();
  }
}
