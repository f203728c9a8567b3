import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { AnnotateOptions, Detection, ImageError } from '@app/vision';
import { TransferredImage } from '../inference/transferred-image';
import type { AnnotateTask, AnnotateTaskResult } from './annotation-protocol';

export interface TimedAnnotation {
  bytes: Uint8Array;
  mimeType: string;
  /** Decode + drawing + encoding, ms. */
  durationMs: number;
}

/**
 * Draws detections onto images in a worker thread of its own: jimp decodes and encodes synchronously, which must
 * never happen on the event loop. One thread is enough (annotated images are an occasional, human-facing output)
 * and keeps the inference workers' cores free; it stops when idle.
 */
@Injectable()
export class AnnotationService implements OnModuleDestroy {
  private readonly pool = new Piscina<AnnotateTask, AnnotateTaskResult>({
    filename: join(__dirname, 'annotation.worker.js'),
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: 60_000,
  });

  /** `image` is handed over to the worker (unusable afterwards); `signal` (the client went away) drops the task. */
  async annotate(image: TransferredImage, detections: Detection[], options: AnnotateOptions, signal?: AbortSignal): Promise<TimedAnnotation> {
    const started = performance.now();
    const result = await this.pool.run({ image, detections, options }, { transferList: [image], signal }).catch((error: unknown) => {
      // Report an abandoned task as the detection path does (the signal's reason), not as piscina's bare AbortError.
      throw signal?.aborted ? signal.reason : error;
    });
    if (!result.ok) throw new ImageError(result.imageKind, result.message);
    return { bytes: result.annotated.bytes, mimeType: result.annotated.mimeType, durationMs: performance.now() - started };
  }

  onModuleDestroy(): Promise<void> {
    return this.pool.close();
  }
}
