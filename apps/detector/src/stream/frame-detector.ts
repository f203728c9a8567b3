import { Injectable, Module } from '@nestjs/common';
import { DetectionOutcome, DetectOptions, ImageError } from '@app/vision';
import { CatalogService } from '../catalog/catalog.service';
import { ModelUnavailableError, UnknownModelError } from '../catalog/model-errors';
import { transferImage } from '../inference/transferred-image';
import { unknownClasses } from '../detection/detection.service';
import { InferenceModule } from '../inference/inference.module';
import { InferenceService } from '../inference/inference.service';
import { RefusalReason, RequestRefusedError } from '../inference/request-refused.error';

/** Why a frame got no detections, as the stream's error message names it. */
export type FrameErrorCode = 'bad_image' | 'model_unavailable' | 'busy' | 'timeout' | 'shutting_down';

/** A frame that could not be detected: the stream answers it with an error message and goes on. */
export class FrameError extends Error {
  constructor(
    readonly code: FrameErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * All the stream needs from the models: submit one frame for detection (abandoned when the signal aborts), and
 * check a stream's model and classes. The only place the stream code touches the catalog and the detection path
 * (FrameDetectorModule below included), so moving streams onto another scheduler changes this file alone.
 */
export abstract class FrameDetector {
  /** Resolves with the outcome, or rejects with a FrameError (or the signal's reason once it aborts). */
  abstract detect(model: string, frame: Uint8Array, options: DetectOptions, signal: AbortSignal): Promise<DetectionOutcome>;
  /** Null when the model is served and knows every class asked for; otherwise what is wrong. */
  abstract checkSettings(model: string, classes: readonly string[] | null): string | null;
  /** The model of a stream whose URL names none: yolov5s, or an installed one when yolov5s cannot serve. */
  abstract defaultModel(): string;
}

/** A refusal's error code on the stream (client_closed only reaches a stream whose own signal aborted). */
const REFUSAL_CODES: Record<RefusalReason, FrameErrorCode> = {
  queue_full: 'busy',
  timeout: 'timeout',
  client_closed: 'timeout',
  shutting_down: 'shutting_down',
};

/** FrameDetector on the catalog and InferenceService: frames wait in their model's queue, as REST requests do. */
@Injectable()
export class CatalogFrameDetector extends FrameDetector {
  constructor(
    private readonly catalog: CatalogService,
    private readonly inference: InferenceService,
  ) {
    super();
  }

  async detect(model: string, frame: Uint8Array, options: DetectOptions, signal: AbortSignal): Promise<DetectionOutcome> {
    try {
      // The frame's bytes are handed over to the model's runner thread; the stream does not need them afterwards.
      return await this.inference.infer(model, transferImage(frame), options, signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof ImageError) throw new FrameError('bad_image', error.message);
      if (error instanceof ModelUnavailableError || error instanceof UnknownModelError) throw new FrameError('model_unavailable', error.message);
      if (error instanceof RequestRefusedError) throw new FrameError(REFUSAL_CODES[error.reason], error.message);
      throw error;
    }
  }

  checkSettings(model: string, classes: readonly string[] | null): string | null {
    const entry = this.catalog.get(model);
    if (!entry) return new UnknownModelError(model, this.catalog.names).message;
    // The catalog read the class names from the file when it appeared, before any session (lazy loading included).
    return unknownClasses(model, classes, entry.description?.classNames ?? null);
  }

  defaultModel(): string {
    return this.catalog.suggestedModel();
  }
}

/** Provides FrameDetector to the stream module: the wiring that changes with the implementation. */
@Module({
  imports: [InferenceModule],
  providers: [{ provide: FrameDetector, useClass: CatalogFrameDetector }],
  exports: [FrameDetector],
})
export class FrameDetectorModule {}
