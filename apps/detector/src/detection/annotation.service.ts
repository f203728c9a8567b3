import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { AnnotateOptions, Detection, ImageError, probeImage } from '@app/vision';
import { TransferredImage } from '../inference/transferred-image';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { ScheduledTask, Scheduler } from '../inference/scheduler';
import type { AnnotateTask, AnnotateTaskResult } from './annotation-protocol';

export interface TimedAnnotation {
  bytes: Uint8Array;
  mimeType: string;
  /** Decode + drawing + encoding, ms. */
  durationMs: number;
}

/** Annotated images drawn at once: the drawing thread's one slot. */
const DRAWING_THREADS = 1;
/** The annotated route's one lane in its scheduler. */
const ANNOTATE_LANE = 'annotate';

/**
 * Draws detections onto images in a worker thread of its own: jimp decodes and encodes synchronously, which must
 * never happen on the event loop. One thread is enough (annotated images are an occasional, human-facing output)
 * and keeps the inference workers' cores free; it stops when idle. Its requests wait in a queue of their own, with
 * the detection path's admission: bounded (503 + Retry-After), with a deadline (504), images too large refused first.
 */
@Injectable()
export class AnnotationService implements OnModuleDestroy {
  private readonly pool = new Piscina<AnnotateTask, AnnotateTaskResult>({
    filename: join(__dirname, 'annotation.worker.js'),
    minThreads: 0,
    maxThreads: DRAWING_THREADS,
    idleTimeout: 60_000,
  });
  private readonly scheduler: Scheduler;

  constructor(@Inject(detectorConfig.KEY) private readonly config: DetectorConfig) {
    this.scheduler = new Scheduler({ queueDepth: config.queueDepth, timeoutMs: config.requestTimeoutMs, retryAfterSeconds: config.retryAfterSeconds, describeLane: () => 'The annotated-image route' });
  }

  /** Refuses (413), from its header alone, an image whose drawing would cost more than ANNOTATE_MAX_MEGAPIXELS allow. */
  checkCost(image: Uint8Array) {
    try {
      probeImage(image, { maxPixels: this.config.annotateMaxPixels });
    } catch (error) {
      if (!(error instanceof ImageError) || error.kind !== 'too-large') throw error;
      throw new ImageError('too-large', `${error.message} for an annotated image (ANNOTATE_MAX_MEGAPIXELS); POST /predict takes larger ones.`);
    }
  }

  /**
   * Runs an annotated request's work (its detection, then its drawing) once the drawing thread is free: a full queue
   * refuses it (503), its deadline abandons it (504), as the scheduler does for detections.
   */
  async schedule<T>(work: ScheduledTask<T>, signal?: AbortSignal): Promise<T> {
    return (await this.scheduler.schedule(ANNOTATE_LANE, DRAWING_THREADS, work, signal)).result;
  }

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
    this.scheduler.close();
    return this.pool.close();
  }
}
