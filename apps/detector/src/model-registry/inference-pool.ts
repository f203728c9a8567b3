import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { Piscina } from 'piscina';
import { DetectOptions } from '@app/vision';
import { DetectTaskResult, InferenceWorkerData, ModelFile, ModelLoadReport } from './inference-protocol';

/**
 * The worker threads that run inference (piscina). Each worker holds its own ONNX Runtime sessions; workers report
 * model loads as 'model-load' events so the registry can tell when every worker is warm.
 */
export class InferencePool extends EventEmitter<{ 'model-load': [ModelLoadReport] }> {
  private readonly piscina: Piscina;

  constructor(readonly workerData: InferenceWorkerData & { threads: number }) {
    super();
    const { threads, ...data } = workerData;
    this.piscina = new Piscina({
      filename: join(__dirname, 'inference.worker.js'),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY, // sessions are expensive to load: workers live as long as the pool
      concurrentTasksPerWorker: 1,
      atomics: 'disabled', // tasks are async (ORT runs on its own threads)
      workerData: data,
    });
    this.piscina.on('message', (message: ModelLoadReport) => {
      if (message?.type === 'model-load') this.emit('model-load', message);
    });
  }

  get threads(): number {
    return this.workerData.threads;
  }

  /** Requests waiting for a free worker. */
  get queueSize(): number {
    return this.piscina.queueSize;
  }

  detect(model: ModelFile, image: Uint8Array, options: DetectOptions, signal?: AbortSignal): Promise<DetectTaskResult> {
    // Hand the bytes over without a copy when the view spans its whole ArrayBuffer (large bodies do).
    const owned =
      image.byteOffset === 0 && image.byteLength === image.buffer.byteLength && image.buffer instanceof ArrayBuffer
        ? image.buffer
        : image.buffer.slice(image.byteOffset, image.byteOffset + image.byteLength);
    return this.piscina.run({ model, image: owned, options }, { transferList: [owned as ArrayBuffer], signal });
  }

  close(): Promise<void> {
    return this.piscina.close();
  }
}
