import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { DEFAULT_DETECT_OPTIONS, DetectionOutcome, DetectOptions, presentTimings } from '@app/vision';
import { CatalogService } from '../catalog/catalog.service';
import { capEcho, MAX_MESSAGE_CHARS } from '../common/client-echo';
import { TransferredImage } from '../inference/transferred-image';
import { InferenceService } from '../inference/inference.service';
import { DetectionOptionsDto } from './dto/detection-options.dto';

/** /predict's answer: the seed's fields first (`detections`, `time`, `model`), then sizes and stage timings. */
export interface DetectionResult extends DetectionOutcome {
  time: number;
  model: string;
}

/** What is wrong with the classes asked of a model, or null when it knows them all (or its names are unknown yet). */
export function unknownClasses(model: string, requested: readonly string[] | null, known: readonly string[] | null): string | null {
  const unknown = known && requested ? requested.filter((name) => !known.includes(name)) : [];
  return unknown.length > 0 ? capEcho(`classes: ${unknown.map((name) => `"${capEcho(name)}"`).join(', ')} not among ${model}'s classes.`, MAX_MESSAGE_CHARS) : null;
}

/** Runs one image through one model: translates request options, checks class names, presents the answer. */
@Injectable()
export class DetectionService {
  constructor(
    private readonly inference: InferenceService,
    private readonly catalog: CatalogService,
  ) {}

  toDetectOptions(model: string, dto: DetectionOptionsDto): DetectOptions {
    // An empty list is no filter: what an emptied form field or Swagger's empty example sends.
    const classes = dto.classes?.length ? dto.classes : null;
    // The catalog read the class names from the file when it appeared, before any session (lazy loading included).
    const unknown = unknownClasses(model, classes, classes ? (this.catalog.get(model)?.description?.classNames ?? null) : null);
    if (unknown) throw new UnprocessableEntityException(unknown);
    return {
      confidenceThreshold: dto.confidence_threshold ?? DEFAULT_DETECT_OPTIONS.confidenceThreshold,
      iouThreshold: dto.iou_threshold ?? DEFAULT_DETECT_OPTIONS.iouThreshold,
      maxDetections: dto.max_detections ?? DEFAULT_DETECT_OPTIONS.maxDetections,
      classes,
      floatBoxes: dto.float_boxes ?? DEFAULT_DETECT_OPTIONS.floatBoxes,
    };
  }

  /** `image` is handed over to a runner thread: keep a copy first if it is needed afterwards. */
  async predict(model: string, image: TransferredImage, dto: DetectionOptionsDto, signal?: AbortSignal): Promise<DetectionResult> {
    const { detections, image: size, input, timings } = await this.inference.infer(model, image, this.toDetectOptions(model, dto), signal);
    const presented = presentTimings(timings);
    return { detections, time: presented.time, model, image: size, input, timings: presented.timings };
  }
}
