import { Injectable, Module } from '@nestjs/common';
import type { Detection, DetectOptions } from '@app/vision';
import { DetectionModule } from '../detection/detection.module';
import { DetectionService } from '../detection/detection.service';
import { DetectionOptionsDto } from '../detection/dto/detection-options.dto';
import { ModelRegistryModule } from '../model-registry/model-registry.module';
import { ModelRegistryService } from '../model-registry/model-registry.service';

/** One detection as the protocol needs it: the boxes, the space they are in, the model's classes, the options applied. */
export interface BackendDetection {
  detections: Detection[];
  image: { width: number; height: number };
  classNames: readonly string[];
  options: DetectOptions;
}

/**
 * What the Open Inference Protocol needs from the service's models. This file is the protocol's only door to them:
 * moving it onto another model registry (or a catalog and scheduler) changes this file and nothing else.
 */
export abstract class DetectorBackend {
  /** The names of the served models. */
  abstract names(): readonly string[];
  /** The models can serve (the same condition as /health/ready's models check). */
  abstract isReady(): boolean;
  /** The model can take a detection now, or load on it (lazy loading); false while loading, missing or broken. */
  abstract isModelReady(name: string): boolean;
  /** Runs one image through one model with the request's options; throws the registry's errors (503, 413, ...). */
  abstract detect(name: string, image: Uint8Array, options: DetectionOptionsDto, signal: AbortSignal): Promise<BackendDetection>;
}

/** The backend on today's ModelRegistryService and DetectionService. */
@Injectable()
class RegistryDetectorBackend extends DetectorBackend {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly detection: DetectionService,
  ) {
    super();
  }

  names(): readonly string[] {
    return this.registry.names;
  }

  isReady(): boolean {
    return this.registry.isReady();
  }

  isModelReady(name: string): boolean {
    const { status } = this.registry.state(name);
    return status === 'loaded' || status === 'not-loaded';
  }

  async detect(name: string, image: Uint8Array, dto: DetectionOptionsDto, signal: AbortSignal): Promise<BackendDetection> {
    const options = await this.detection.toDetectOptions(name, dto);
    const { detections, image: size } = await this.registry.handle(name).detect(image, options, signal);
    return { detections, image: size, classNames: (await this.registry.classNames(name)) ?? [], options };
  }
}

@Module({
  imports: [ModelRegistryModule, DetectionModule],
  providers: [{ provide: DetectorBackend, useClass: RegistryDetectorBackend }],
  exports: [DetectorBackend],
})
export class DetectorBackendModule {}
