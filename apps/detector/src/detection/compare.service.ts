import { Injectable } from '@nestjs/common';
import { AGREEMENT_IOU_THRESHOLD, boxAgreement } from '@app/vision';
import { CatalogService } from '../catalog/catalog.service';
import { ModelUnavailableError, UnknownModelError } from '../catalog/model-errors';
import { retryAfterOf, statusOf } from '../common/error-status';
import { transferImage } from '../inference/transferred-image';
import { RequestRefusedError } from '../inference/request-refused.error';
import { DetectionService } from './detection.service';
import { CompareOptionsDto } from './dto/compare-request.dto';
import { CompareResponseDto, ModelPairAgreementDto, SkippedModelDto } from './dto/compare-response.dto';
import { PredictResponseDto } from './dto/predict-response.dto';

export const SEQUENTIAL_NOTE =
  'The models ran one after another, never at the same time, so their timings are comparable. ' +
  'Requests from other clients still share the cores and can slow any of them down.';

const round3 = (value: number) => Number(value.toFixed(3));
const roundOrNull = (value: number | null) => (value === null ? null : round3(value));

/** A model that could not run is skipped (and listed) rather than failing the others: not installed, broken, or at capacity. */
const isSkippable = (error: unknown): error is ModelUnavailableError | RequestRefusedError =>
  error instanceof ModelUnavailableError || (error instanceof RequestRefusedError && error.reason === 'queue_full');

const summaryOf = (error: ModelUnavailableError | RequestRefusedError) => (error instanceof ModelUnavailableError ? error.summary : 'is at capacity');

/** Runs one image through several models and measures how far their answers agree. */
@Injectable()
export class CompareService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly detection: DetectionService,
  ) {}

  /** `signal` aborts when the client goes away: the models not yet run are then not run at all. */
  async compare(image: Uint8Array, options: CompareOptionsDto, signal?: AbortSignal): Promise<CompareResponseDto> {
    const models = [...new Set(options.models ?? this.catalog.names)];
    // An unknown name is the client's mistake (400) and is reported before any model runs (after one look at the folder).
    if (models.some((model) => !this.catalog.get(model))) await this.catalog.scan();
    const unknown = models.find((model) => !this.catalog.get(model));
    if (unknown !== undefined) throw new UnknownModelError(unknown, this.catalog.names);

    const results: PredictResponseDto[] = [];
    const skipped: (SkippedModelDto & { error: ModelUnavailableError | RequestRefusedError })[] = [];
    // Sequential on purpose: concurrent runs would share the cores and make the timings meaningless side by side.
    for (const model of models) {
      try {
        // A copy per model: each is handed over to that model's runner thread.
        results.push(await this.detection.predict(model, transferImage(new Uint8Array(image)), options, signal));
      } catch (error) {
        // Image errors concern every model and fail the request; so do timeouts and a client that left.
        if (!isSkippable(error)) throw error;
        skipped.push({ model, status: statusOf(error), detail: error.message, error });
      }
    }
    if (results.length === 0) {
      const reasons = skipped.map(({ model, error }) => `${model} ${summaryOf(error)}`).join(', ');
      const retryAfters = skipped.map(({ error }) => retryAfterOf(error)).filter((seconds): seconds is number => seconds !== undefined);
      throw new ModelUnavailableError(
        models.join(','),
        `None of the requested models could run: ${reasons}. GET /models/{name} tells each model's state.`,
        retryAfters.length > 0 ? Math.min(...retryAfters) : undefined,
        'could not run',
      );
    }

    const iouThreshold = options.agreement_iou_threshold ?? AGREEMENT_IOU_THRESHOLD;
    return {
      execution: 'sequential',
      note: SEQUENTIAL_NOTE,
      image: results[0].image,
      results,
      skipped: skipped.map(({ model, status, detail }) => ({ model, status, detail })),
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
