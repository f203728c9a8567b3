import { Injectable, Module } from '@nestjs/common';
import type { Detection, DetectOptions } from '@app/vision';
import { DetectionModule } from '../detection/detection.module';
import { DetectionService } from '../detection/detection.service';
import { DetectionOptionsDto } from '../detection/dto/detection-options.dto';
import { CatalogService } from '../catalog/catalog.service';
import { UnknownModelError } from '../catalog/model-errors';
import { isModelReady } from '../catalog/model-state';
import { transferImage } from '../inference/transferred-image';
import { InferenceModule } from '../inference/inference.module';
import { InferenceService } from '../inference/inference.service';

/** One detection as the protocol needs it: the boxes, the space they are in, the model's classes, the options applied. */
export interface BackendDetection {
  detections: Detection[];
  image: { width: number; height: number };
  classNames: readonly string[];
  options: DetectOptions;
}

/**
 * What the Open Inference Protocol needs from the service's models. This file is the protocol's only door to them:
 * moving it onto another model registry (as it moved onto the catalog and scheduler) changes this file and nothing else.
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

/** The backend on the model catalog and the detection path (InferenceService). */
@Injectable()
class CatalogDetectorBackend extends DetectorBackend {
  constructor(
    private readonly catalog: CatalogService,
    private readonly inference: InferenceService,
    private readonly detection: DetectionService,
  ) {
    super();
  }

  names(): readonly string[] {
    return this.catalog.names;
  }

  isReady(): boolean {
    return this.catalog.isReady();
  }

  isModelReady(name: string): boolean {
    const model = this.catalog.get(name);
    if (!model) throw new UnknownModelError(name, this.catalog.names);
    return isModelReady(model.status);
  }

  async detect(name: string, image: Uint8Array, dto: DetectionOptionsDto, signal: AbortSignal): Promise<BackendDetection> {
    const options = this.detection.toDetectOptions(name, dto);
    // The image is handed over to the model's runner thread (a copy when it is a view into a larger buffer).
    const { detections, image: size } = await this.inference.infer(name, transferImage(image), options, signal);
    return { detections, image: size, classNames: this.catalog.get(name)?.description?.classNames ?? [], options };
  }
}

@Module({
  imports: [InferenceModule, DetectionModule],
  providers: [{ provide: DetectorBackend, useClass: CatalogDetectorBackend }],
  exports: [DetectorBackend],
})
export class DetectorBackendModule {}
