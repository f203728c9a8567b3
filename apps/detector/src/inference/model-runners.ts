import { EventEmitter, once } from 'node:events';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { DetectOptions } from '@app/vision';
import { TransferredImage } from './transferred-image';
import { LOAD_TURN } from './load-turn';
import { DetectTaskResult, ReleaseTask, RunnerLoadReport, RunnerWorkerData } from './runner-protocol';

/** Tasks a runner thread takes at once (see the piscina options below). */
export const RUNNER_PIPELINE_DEPTH = 2;

export interface ModelRunnersOptions extends Omit<RunnerWorkerData, 'loadTurn'> {
  replicas: number;
}

/**
 * The runner threads of one model (piscina): each loads that model once and runs one image at a time. Workers are
 * never terminated while another may run a session: with onnxruntime-node 1.30, terminating a worker that holds a
 * session while another runs one aborts the whole process, so a running task is cancelled through a shared flag,
 * checked between stages, and piscina itself never sees an abort.
 */
export class ModelRunners extends EventEmitter<{ load: [RunnerLoadReport]; cancelled: [{ stage: string }]; idle: [] }> {
  private readonly piscina: Piscina;
  private closing: Promise<void> | null = null;
  private inFlight = 0;

  constructor(readonly options: ModelRunnersOptions) {
    super();
    const { replicas, ...workerData } = options;
    this.piscina = new Piscina({
      filename: join(__dirname, 'runner.worker.js'),
      minThreads: replicas,
      maxThreads: replicas,
      idleTimeout: Number.POSITIVE_INFINITY, // a session is expensive to load: runners live as long as their model
      // Two images per runner: the next one decodes (sharp, on libuv's threads) while this one runs the session; the
      // tensor stage itself takes turns (YoloDetector), so one runner keeps its threads busy.
      concurrentTasksPerWorker: RUNNER_PIPELINE_DEPTH,
      // The scheduler hands out at most replicas × RUNNER_PIPELINE_DEPTH tasks; the rest of piscina's queue is for releases.
      maxQueue: replicas * (RUNNER_PIPELINE_DEPTH + 1),
      atomics: 'disabled', // tasks are async (ORT runs on its own threads)
      workerData: { ...workerData, loadTurn: LOAD_TURN } satisfies RunnerWorkerData,
    });
    this.piscina.on('message', (message: RunnerLoadReport) => {
      if (message?.type === 'model-load') this.emit('load', message);
    });
  }

  get replicas(): number {
    return this.options.replicas;
  }


  /** Dispatches one detection to a runner; `image` is transferred to it. Aborting `signal` tells the runner to drop the task at its next stage. */
  async dispatch(image: TransferredImage, options: DetectOptions, signal: AbortSignal): Promise<DetectTaskResult> {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => Atomics.store(cancel, 0, 1);
    signal.addEventListener('abort', onAbort, { once: true });
    this.inFlight++;
    try {
      const result: DetectTaskResult = await this.piscina.run({ image, options, cancel }, { transferList: [image] });
      if (!result.ok && result.error.kind === 'cancelled') this.emit('cancelled', { stage: result.error.stage });
      return result;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (--this.inFlight === 0) this.emit('idle');
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
    if (this.inFlight > 0) await once(this, 'idle');
    // piscina cannot address a thread: release tasks go out until every thread has answered one (bounded).
    const released = new Set<number>();
    for (let round = 0; round < 10 && released.size < this.piscina.threads.length; round++) {
      const answers = await Promise.allSettled(this.piscina.threads.map(() => this.piscina.run({ release: true } satisfies ReleaseTask) as Promise<number>));
      for (const answer of answers) if (answer.status === 'fulfilled') released.add(answer.value);
    }
    await this.piscina.close();
  }
}
