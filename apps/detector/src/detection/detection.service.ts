import { BadRequestException, Injectable, UnprocessableEntityException } from '@nestjs/common';
import { DEFAULT_DETECT_OPTIONS, DetectionOutcome, DetectOptions } from '@app/vision';
import { ModelRegistryService } from '../model-registry/model-registry.service';
import { DetectionOptionsDto } from './dto/detection-options.dto';

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** The seed's fields first (`detections`, `time`, `model`), then sizes and stage timings. */
export interface DetectionResult extends DetectionOutcome {
  time: number;
  model: string;
}

/** Runs one image through one model: translates request options, validates names, delegates to the model's handle. */
@Injectable()
export class DetectionService {
  constructor(private readonly registry: ModelRegistryService) {}

  /** Decodes the JSON form's base64 image (a data-URL prefix and line breaks are tolerated). */
  decodeBase64Image(text: string): Buffer {
    const payload = text.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
    if (payload.length === 0 || !BASE64.test(payload) || payload.length % 4 === 1) {
      throw new BadRequestException('image must be a base64-encoded image file (JPEG, PNG, BMP, TIFF or GIF).');
    }
    return Buffer.from(payload, payload.includes('-') || payload.includes('_') ? 'base64url' : 'base64');
  }

  async toDetectOptions(model: string, dto: DetectionOptionsDto): Promise<DetectOptions> {
    const classes = dto.classes ?? null;
    const known = classes ? await this.registry.classNames(model) : null;
    const unknown = known && classes ? classes.filter((name) => !known.includes(name)) : [];
    if (unknown.length > 0) {
      throw new UnprocessableEntityException(`classes: ${unknown.map((name) => `"${name}"`).join(', ')} not among ${model}'s classes.`);
    }
    return {
      confidenceThreshold: dto.confidence_threshold ?? DEFAULT_DETECT_OPTIONS.confidenceThreshold,
      iouThreshold: dto.iou_threshold ?? DEFAULT_DETECT_OPTIONS.iouThreshold,
      maxDetections: dto.max_detections ?? DEFAULT_DETECT_OPTIONS.maxDetections,
      classes,
    };
  }

  async detect(model: string, image: Uint8Array, dto: DetectionOptionsDto, signal?: AbortSignal): Promise<DetectionResult> {
    const handle = this.registry.handle(model);
    const { detections, image: size, input, timings } = await handle.detect(image, await this.toDetectOptions(model, dto), signal);
    // `time` is set by the TimingInterceptor from the inference duration.
    return { detections, time: 0, model, image: size, input, timings };
  }
}
