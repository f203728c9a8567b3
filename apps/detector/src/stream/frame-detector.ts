import { Injectable, Module } from '@nestjs/common';
import { DetectionOutcome, DetectOptions, ImageError } from '@app/vision';
import { unknownClasses } from '../detection/detection.service';
import { ModelUnavailableError, UnknownModelError } from '../model-registry/model-errors';
import { ModelRegistryModule } from '../model-registry/model-registry.module';
import { ModelRegistryService } from '../model-registry/model-registry.service';
import { RequestRefusedError } from '../model-registry/request-refused.error';

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
 * check a stream's model and classes. The only place the stream code touches the model registry (FrameDetectorModule
 * below included), so moving streams onto another scheduler changes this file alone.
 */
export abstract class FrameDetector {
  /** Resolves with the outcome, or rejects with a FrameError (or the signal's reason once it aborts). */
  abstract detect(model: string, frame: Uint8Array, options: DetectOptions, signal: AbortSignal): Promise<DetectionOutcome>;
  /** Null when the model is served and knows every class asked for; otherwise what is wrong. */
  abstract checkSettings(model: string, classes: readonly string[] | null): Promise<string | null>;
}

/** FrameDetector on today's ModelRegistryService and its worker pool (the same queue REST requests wait in). */
@Injectable()
export class RegistryFrameDetector extends FrameDetector {
  constructor(private readonly registry: ModelRegistryService) {
    super();
  }

  async detect(model: string, frame: Uint8Array, options: DetectOptions, signal: AbortSignal): Promise<DetectionOutcome> {
    try {
      return await this.registry.detect(model, frame, options, signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof ImageError) throw new FrameError('bad_image', error.message);
      if (error instanceof ModelUnavailableError || error instanceof UnknownModelError) throw new FrameError('model_unavailable', error.message);
      if (error instanceof RequestRefusedError) {
        const code = error.reason === 'queue_full' ? 'busy' : error.reason === 'timeout' ? 'timeout' : 'shutting_down';
        throw new FrameError(code, error.message);
      }
      throw error;
    }
  }

  async checkSettings(model: string, classes: readonly string[] | null): Promise<string | null> {
    if (!this.registry.names.includes(model)) return new UnknownModelError(model, this.registry.names).message;
    return unknownClasses(model, classes, classes ? await this.registry.classNames(model) : null);
  }
}

/** Provides FrameDetector to the stream module: the wiring that changes with the implementation. */
@Module({
  imports: [ModelRegistryModule],
  providers: [{ provide: FrameDetector, useClass: RegistryFrameDetector }],
  exports: [FrameDetector],
})
export class FrameDetectorModule {}
