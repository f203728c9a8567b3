import { HttpStatus, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { AGREEMENT_IOU_THRESHOLD, boxAgreement } from '@app/vision';
import { ModelRegistryService } from '../model-registry/model-registry.service';
import { ModelUnavailableError } from '../model-registry/model-errors';
import { DetectionService } from './detection.service';
import { CompareOptionsDto } from './dto/compare-request.dto';
import { CompareResponseDto, ModelPairAgreementDto, SkippedModelDto } from './dto/compare-response.dto';
import { PredictResponseDto } from './dto/predict-response.dto';

export const SEQUENTIAL_NOTE =
  'The models ran one after another, never at the same time, so their timings are comparable. ' +
  'Requests from other clients still share the inference workers and can slow any of them down.';

const round3 = (value: number) => Number(value.toFixed(3));
const roundOrNull = (value: number | null) => (value === null ? null : round3(value));

/** Runs one image through several models and measures how far their answers agree. */
@Injectable()
export class CompareService {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly detection: DetectionService,
  ) {}

  /** `signal` aborts when the client goes away: the models not yet run are then not run at all. */
  async compare(image: Uint8Array, options: CompareOptionsDto, signal?: AbortSignal): Promise<CompareResponseDto> {
    const models = [...new Set(options.models ?? this.registry.names)];
    // An unknown name is the client's mistake (400) and is reported before any model runs.
    models.forEach((model) => this.registry.handle(model));

    const results: PredictResponseDto[] = [];
    const skipped: SkippedModelDto[] = [];
    // Sequential on purpose: concurrent runs would share the cores and make the timings meaningless side by side.
    for (const model of models) {
      try {
        // A copy per model: the registry hands the bytes it gets over to a worker thread.
        results.push(await this.detection.detect(model, new Uint8Array(image), options, signal));
      } catch (error) {
        // A missing model is reported beside the others' results; image errors concern every model and fail the request.
        if (!(error instanceof ModelUnavailableError)) throw error;
        skipped.push({ model, status: HttpStatus.SERVICE_UNAVAILABLE, detail: error.message });
      }
    }
    if (results.length === 0) {
      throw new ServiceUnavailableException(`None of the requested models could run. ${skipped.map((entry) => entry.detail).join(' ')}`);
    }

    const iouThreshold = options.agreement_iou_threshold ?? AGREEMENT_IOU_THRESHOLD;
    return {
      execution: 'sequential',
      note: SEQUENTIAL_NOTE,
      image: results[0].image,
      results,
      skipped,
      agreement: { iou_threshold: iouThreshold, pairs: this.pairwiseAgreement(results, iouThreshold) },
    };
  }

  private pairwiseAgreement(results: PredictResponseDto[], iouThreshold: number): ModelPairAgreementDto[] {
    const pairs: ModelPairAgreementDto[] = [];
    results.forEach((a, i) =>
      results.slice(i + 1).forEach((b) => {
        const agreement = boxAgreement(a.detections, b.detections, iouThreshold);
        pairs.push({
          model_a: a.model,
          model_b: b.model,
          boxes_a: agreement.boxesA,
          boxes_b: agreement.boxesB,
          matched: agreement.matches.length,
          matched_share_of_a: roundOrNull(agreement.matchedShareOfA),
          matched_share_of_b: roundOrNull(agreement.matchedShareOfB),
          f1: roundOrNull(agreement.f1),
          mean_iou: roundOrNull(agreement.meanIou),
          matches: agreement.matches.map((match) => ({ ...match, iou: round3(match.iou) })),
        });
      }),
    );
    return pairs;
  }
}
