import { Inject } from '@nestjs/common';
import { DetectionOutcome, DetectOptions } from '@app/vision';
import type { ModelRegistryService, ModelState } from './model-registry.service';

/** One served model, injectable on its own (`@InjectModel('yolov5s')`); detection runs in the worker pool. */
export class ModelHandle {
  constructor(
    readonly name: string,
    private readonly registry: ModelRegistryService,
  ) {}

  detect(image: Uint8Array, options: DetectOptions, signal?: AbortSignal): Promise<DetectionOutcome> {
    return this.registry.detect(this.name, image, options, signal);
  }

  state(): ModelState {
    return this.registry.state(this.name);
  }
}

export const modelHandleToken = (name: string) => `ModelHandle:${name}`;

export const InjectModel = (name: string) => Inject(modelHandleToken(name));
