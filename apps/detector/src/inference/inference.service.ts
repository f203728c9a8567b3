import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { DetectionOutcome, DetectOptions, ImageError, probeImage, StageTimings } from '@app/vision';
import { CatalogService } from '../catalog/catalog.service';
import { ModelUnavailableError, UnknownModelError } from '../catalog/model-errors';
import { CatalogModel } from '../catalog/model-catalog';
import { canServe, hasFailed, isFetching, isLoading, isMissing } from '../catalog/model-state';
import { TransferredImage } from './transferred-image';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { releaseFreedMemory } from './freed-memory';
import { ModelRunners, RUNNER_PIPELINE_DEPTH } from './model-runners';
import { RefusalReason, RequestRefusedError } from './request-refused.error';
import { DetectTaskResult } from './runner-protocol';
import { LaneStats, Scheduler } from './scheduler';

/** What happens to detections (for metrics; emitted in the caller's async context). */
export interface InferenceEvents {
  detection: [{ model: string; timings: StageTimings; queueMs: number; totalMs: number }];
  refusal: [{ model: string; reason: RefusalReason }];
  /** A runner dropped a task nobody waited for any more, before `stage` (decode or inference). */
  abandoned: [{ model: string; stage: string }];
}

export interface LoadStats {
  /** Runner threads of the models that have them. */
  threads: number;
  queued: number;
  running: number;
  /** Requests that may wait per model. */
  queueDepth: number;
}

/** The short hint a client gets for a model whose file is absent (paths and commands go to the log and the README). */
export const notInstalledHint = (name: string) =>
  `Model ${name} is not installed: the service's models folder has no ${name}.onnx. See "Models" in the README to add it.`;

/**
 * The detection path every route (and the stream and v2 protocols) goes through: detect(model, image, options,
 * signal). It asks the catalog whether the model can serve, probes the image header, has the scheduler admit the
 * request into the model's queue and runs it on that model's runners, which it starts (eagerly when the catalog
 * says so, otherwise on first use) and retires when the model's file changes or goes.
 */
@Injectable()
export class InferenceService implements OnApplicationShutdown {
  readonly events = new EventEmitter<InferenceEvents>();
  private readonly scheduler: Scheduler;
  private readonly runners = new Map<string, ModelRunners>();

  constructor(
    @Inject(detectorConfig.KEY) private readonly config: DetectorConfig,
    private readonly catalog: CatalogService,
  ) {
    this.scheduler = new Scheduler({ queueDepth: config.queueDepth, timeoutMs: config.requestTimeoutMs, retryAfterSeconds: config.retryAfterSeconds });
    catalog.on('changed', (model) => {
      this.retire(model.name);
      if (isLoading(model.status)) this.runnersFor(model); // eager: load now
    });
    catalog.on('removed', (name) => {
      this.retire(name);
      this.scheduler.drop(name, new UnknownModelError(name, catalog.names));
    });
  }

  /**
   * Detects objects in `image` (an encoded photo, handed over to a runner thread) with the model `name`. Throws
   * UnknownModelError (400), ModelUnavailableError (503), ImageError (400/413/415) or RequestRefusedError (503 queue
   * full or shutting down, 504 deadline, 499 client gone).
   */
  async infer(name: string, image: TransferredImage, options: DetectOptions, signal?: AbortSignal): Promise<DetectionOutcome> {
    const model = await this.servable(name);
    // Header only, a few microseconds: bombs, empty and unsupported images never take a place in the queue.
    probeImage(new Uint8Array(image), { maxPixels: this.config.maxImagePixels });
    const started = performance.now();
    let scheduled: { result: DetectTaskResult; queueMs: number };
    try {
      scheduled = await this.scheduler.schedule(name, model.options.replicas * RUNNER_PIPELINE_DEPTH, (abandon) => this.dispatchToRunners(name, image, options, abandon), signal);
    } catch (error) {
      if (error instanceof RequestRefusedError) this.events.emit('refusal', { model: name, reason: error.reason });
      throw error;
    }
    const { result, queueMs } = scheduled;
    if (result.ok) {
      this.events.emit('detection', { model: name, timings: result.outcome.timings, queueMs, totalMs: performance.now() - started });
      return result.outcome;
    }
    if (result.error.kind === 'image') throw new ImageError(result.error.imageKind, result.error.message);
    if (result.error.kind === 'cancelled') throw new RequestRefusedError('client_closed', 'The detection was abandoned.');
    throw new ModelUnavailableError(name, `Model ${name} could not be loaded: ${this.catalog.clientMessage(name, result.error.message)}`, undefined, 'could not be loaded');
  }

  /** The model's catalog entry if it can serve; a model missing or failed is looked for again first (it may just have arrived). */
  private async servable(name: string): Promise<CatalogModel> {
    let model = this.catalog.get(name);
    if (!model || isMissing(model.status) || hasFailed(model.status)) {
      await this.catalog.scan();
      model = this.catalog.get(name);
    }
    if (!model) throw new UnknownModelError(name, this.catalog.names);
    if (canServe(model.status)) return model;
    if (isFetching(model.status)) throw new ModelUnavailableError(name, `Model ${name} is being downloaded; try again shortly.`, 10, 'is being downloaded');
    if (hasFailed(model.status)) throw new ModelUnavailableError(name, `Model ${name} cannot be used: ${model.error}`, undefined, 'could not be loaded');
    throw new ModelUnavailableError(name, notInstalledHint(name), undefined, 'is not installed');
  }

  /** Dispatches the task to the model's current runners (started now if it has none: lazy loading). */
  private dispatchToRunners(name: string, image: TransferredImage, options: DetectOptions, abandon: AbortSignal): Promise<DetectTaskResult> {
    const model = this.catalog.get(name);
    if (!model || !canServe(model.status)) {
      return Promise.resolve({ ok: false, error: { kind: 'model', message: model?.error ?? 'the model left the models folder' } });
    }
    return this.runnersFor(model).dispatch(image, options, abandon);
  }

  private runnersFor(model: CatalogModel): ModelRunners {
    let runners = this.runners.get(model.name);
    if (runners) return runners;
    const { name, file, version, options } = model;
    runners = new ModelRunners({
      name,
      file,
      version,
      eager: options.loading === 'eager',
      inferenceSize: options.inputSize,
      intraOpThreads: options.threads,
      shapePolicy: options.shapePolicy,
      replicas: options.replicas,
    });
    runners.on('load', (report) => {
      // Before the model counts as loaded, so that a ready replica's memory is what it keeps, not its loading's peak.
      releaseFreedMemory();
      if (report.error) this.catalog.markFailed(name, report.version, report.error);
      else this.catalog.markLoaded(name, report.version, report.loadMs ?? 0, report.shape);
    });
    runners.on('cancelled', ({ stage }) => this.events.emit('abandoned', { model: name, stage }));
    this.runners.set(name, runners);
    return runners;
  }

  /** Stops a model's runners once their running tasks end (its file changed or went away). */
  private retire(name: string) {
    const runners = this.runners.get(name);
    if (!runners) return;
    this.runners.delete(name);
    void runners.close().then(releaseFreedMemory);
  }

  /** Every model that has taken requests is at capacity with a full queue: a detection asked for now would be refused. */
  isSaturated(): boolean {
    return this.scheduler.isSaturated();
  }

  /** The 503 for a detection refused before its body was read, when every model's queue is full. */
  atCapacity(): RequestRefusedError {
    const { queueDepth, retryAfterSeconds } = this.config;
    this.events.emit('refusal', { model: '', reason: 'queue_full' });
    return new RequestRefusedError(
      'queue_full',
      `The service is at capacity: every model's runners are busy and ${queueDepth} request(s) wait for each. Retry after ${retryAfterSeconds} s.`,
      retryAfterSeconds,
    );
  }

  /** Each model's queue and running tasks (the models that have taken requests). */
  modelLoad(): LaneStats[] {
    return this.scheduler.stats();
  }

  loadStats(): LoadStats {
    const lanes = this.scheduler.stats();
    return {
      threads: [...this.runners.values()].reduce((sum, runners) => sum + runners.replicas, 0),
      queued: lanes.reduce((sum, lane) => sum + lane.queued, 0),
      running: lanes.reduce((sum, lane) => sum + lane.running, 0),
      queueDepth: this.config.queueDepth,
    };
  }

  async onApplicationShutdown() {
    this.scheduler.close();
    await Promise.all([...this.runners.values()].map((runners) => runners.close()));
  }
}
