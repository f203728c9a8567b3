import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDownloadProgress, DEFAULT_MODELS_BASE_URL, fetchMissingModels, formatFetchSummary, modelDownloadUrl, modelFileName, OFFICIAL_MODEL_NAMES } from '@app/model-store';
import { DetectionOutcome, DetectOptions, ImageError, interpretYoloMetadata, probeImage, readOnnxMetadata, StageTimings, YoloMetadata } from '@app/vision';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { InferencePool, PoolClosedError, PoolQueueFullError, PoolResult } from './inference-pool';
import { ModelHandle } from './model-handle';
import { ModelDescription, ModelLoadReport } from './inference-protocol';
import { ModelUnavailableError, UnknownModelError } from './model-errors';
import { RefusalReason, RequestRefusedError, shuttingDownRefusal } from './request-refused.error';

export const MODEL_STATUSES = ['missing', 'fetching', 'loading', 'loaded', 'not-loaded', 'failed'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** What GET /models/{name} reports about one model. */
export interface ModelState {
  name: string;
  file: string;
  status: ModelStatus;
  available: boolean;
  /** At least one worker has it loaded. */
  loaded: boolean;
  error?: string;
  description?: ModelDescription;
  /** Workers that have this model loaded, out of the pool's size. */
  workersLoaded: number;
}

/** What the registry keeps per model; `loaded` and `workersLoaded` follow from the workers that reported it loaded. */
type KeptState = Omit<ModelState, 'loaded' | 'workersLoaded'>;

const isReadable = (file: string) => access(file).then(() => true, () => false);

/** What the registry reports as detections happen (for metrics; emitted in the caller's async context). */
export interface RegistryEvents {
  detection: [{ model: string; timings: StageTimings; queueMs: number; totalMs: number }];
  refusal: [{ model: string; reason: RefusalReason }];
  /** A worker dropped a task nobody waited for any more, before `stage` (decode or inference). */
  abandoned: [{ model: string; stage: string }];
}

export interface PoolStats {
  threads: number;
  queued: number;
  running: number;
  queueDepth: number;
}

/**
 * Owns the models: finds (and on first start fetches) the files, starts the inference workers that load them, keeps
 * each model's state, and routes detections to the worker pool. Stateless across replicas: everything here is
 * derived from the models directory at start.
 */
@Injectable()
export class ModelRegistryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ModelRegistryService.name);
  private readonly states = new Map<string, KeptState>();
  private readonly loadedThreads = new Map<string, Set<number>>();
  private readonly handles = new Map<string, ModelHandle>();
  private pool: InferencePool | null = null;
  readonly events = new EventEmitter<RegistryEvents>();

  constructor(@Inject(detectorConfig.KEY) private readonly config: DetectorConfig) {
    for (const name of OFFICIAL_MODEL_NAMES) {
      const file = resolve(config.modelsDir, modelFileName(name));
      this.states.set(name, { name, file, status: 'loading', available: false });
      this.loadedThreads.set(name, new Set());
      this.handles.set(name, new ModelHandle(name, this));
    }
  }

  get names(): readonly string[] {
    return OFFICIAL_MODEL_NAMES;
  }

  onApplicationBootstrap() {
    // In the background: the HTTP server answers (liveness, readiness 503) while models download and load.
    this.start().catch((error: Error) => {
      this.logger.error(`Model start-up failed: ${error.message}`, error.stack);
      for (const state of this.states.values()) {
        if (state.status === 'loading' || state.status === 'fetching') Object.assign(state, { status: 'failed', error: `start-up failed: ${error.message}` });
      }
    });
  }

  private async start() {
    for (const state of this.states.values()) state.available = await isReadable(state.file);
    const eager = this.config.modelsLoading === 'eager';
    const missing = [...this.states.values()].filter((state) => !state.available);
    for (const state of this.states.values()) {
      if (state.available) state.status = eager ? 'loading' : 'not-loaded';
      else if (this.config.modelsAutoFetch) state.status = 'fetching';
      else this.markMissing(state);
    }

    // The installed models start loading at once; missing ones download meanwhile and load on first use.
    const eagerModels = [...this.states.values()].filter((state) => state.status === 'loading');
    this.pool = new InferencePool({
      threads: this.config.workerThreads,
      queueDepth: this.config.queueDepth,
      intraOpThreads: this.config.intraOpThreads,
      inferenceSize: this.config.inferenceSize,
      eager,
      models: eagerModels.map(({ name, file }) => ({ name, file })),
    });
    this.pool.on('model-load', (report) => this.onModelLoad(report));
    this.pool.on('cancelled', (task) => this.events.emit('abandoned', task));
    this.logger.log(
      `Inference pool: ${this.config.workerThreads} worker thread(s) × ${this.config.intraOpThreads} ONNX Runtime intra-op thread(s); ` +
        `${this.config.modelsLoading} loading of ${eagerModels.map((state) => state.name).join(', ') || 'no models'}`,
    );
    const fetching = this.config.modelsAutoFetch && missing.length > 0 ? this.fetchMissing(missing) : Promise.resolve();
    await Promise.all([fetching, ...eagerModels.map((state) => this.settled(state.name))]);
  }

  private async fetchMissing(missing: KeptState[]) {
    this.logger.log(`Fetching missing models: ${missing.map((state) => state.name).join(', ')}`);
    const outcomes = await fetchMissingModels({
      names: missing.map((state) => state.name),
      modelsDir: this.config.modelsDir,
      baseUrl: this.config.modelsBaseUrl,
      createProgress: (name) => createDownloadProgress(`${name}.onnx`),
    });
    this.logger.log(`Model fetch:\n${formatFetchSummary(outcomes)}`);
    for (const outcome of outcomes) {
      const state = this.states.get(outcome.name)!;
      if (outcome.status === 'failed') this.markMissing(state);
      else Object.assign(state, { available: true, status: 'not-loaded' });
    }
  }

  private markMissing(state: KeptState) {
    state.status = 'missing';
    this.logger.warn(this.installHint(state.name));
  }

  private onModelLoad(report: ModelLoadReport) {
    const state = this.states.get(report.name);
    if (!state) return;
    if (report.error) {
      state.status = 'failed';
      state.error = report.error;
      this.logger.error(`Model ${report.name} failed to load: ${report.error}`);
    } else {
      const threads = this.loadedThreads.get(report.name)!;
      threads.add(report.threadId);
      state.description = report.description;
      state.error = undefined;
      // Eager loading counts as done when every worker is warm; a lazy load is done at its first worker.
      if (state.status !== 'loading' || threads.size >= (this.pool?.threads ?? 1)) state.status = 'loaded';
      if (threads.size === 1) {
        const { inputShape, loadMs, randomWeights } = report.description!;
        this.logger.log(`Model ${report.name} loaded from ${state.file}: input [${inputShape.join(',')}], ${Math.round(loadMs)} ms`);
        if (randomWeights) {
          this.logger.warn(`Model ${report.name} is a random-weight benchmark model: its detections are meaningless.`);
        }
      }
    }
    this.emitSettled(report.name);
  }

  private readonly settleWaiters = new Map<string, (() => void)[]>();

  private emitSettled(name: string) {
    const state = this.states.get(name)!;
    if (state.status === 'loading') return;
    for (const resolveWaiter of this.settleWaiters.get(name) ?? []) resolveWaiter();
    this.settleWaiters.delete(name);
  }

  /** Resolves once the model has stopped loading (loaded in every worker, or failed). */
  private settled(name: string): Promise<void> {
    if (this.states.get(name)!.status !== 'loading') return Promise.resolve();
    return new Promise((resolveWaiter) => this.settleWaiters.set(name, [...(this.settleWaiters.get(name) ?? []), resolveWaiter]));
  }

  state(name: string): ModelState {
    const state = this.states.get(name);
    if (!state) throw new UnknownModelError(name, this.names);
    const workersLoaded = this.loadedThreads.get(name)!.size;
    return { ...state, loaded: workersLoaded > 0, workersLoaded };
  }

  /**
   * The model's class names: as loaded, or before it has loaded (lazy loading) from the file's metadata, a few small
   * reads; null when the file is missing or unreadable (the detection itself then says why).
   */
  async classNames(name: string): Promise<string[] | null> {
    const { description } = this.state(name);
    return description ? description.classNames : ((await this.fileMetadata(name))?.names ?? null);
  }

  /**
   * Whether the model is a random-weight stand-in (the `random_weights` metadata `npm run models:generate` writes), as
   * loaded or from the file's metadata; null when the file is missing or unreadable.
   */
  async hasRandomWeights(name: string): Promise<boolean | null> {
    const { description } = this.state(name);
    return description ? description.randomWeights : ((await this.fileMetadata(name))?.randomWeights ?? null);
  }

  private fileMetadata(name: string): Promise<YoloMetadata | null> {
    return readOnnxMetadata(this.state(name).file).then(interpretYoloMetadata, () => null);
  }

  allStates(): ModelState[] {
    return this.names.map((name) => this.state(name));
  }

  /**
   * Ready when no installed model is still loading (eager loading waits for every worker) and at least one model
   * can serve; models still downloading do not hold the others back.
   */
  isReady(): boolean {
    const states = [...this.states.values()];
    return (
      this.pool !== null &&
      states.every((state) => state.status !== 'loading') &&
      states.some((state) => state.status === 'loaded' || state.status === 'not-loaded')
    );
  }

  /** The handle of a served model (the one `@InjectModel(name)` injects); throws UnknownModelError (400) for any other name. */
  handle(name: string): ModelHandle {
    const handle = this.handles.get(name);
    if (!handle) throw new UnknownModelError(name, this.names);
    return handle;
  }

  async detect(name: string, image: Uint8Array, options: DetectOptions, signal?: AbortSignal): Promise<DetectionOutcome> {
    const state = this.states.get(name);
    if (!state) throw new UnknownModelError(name, this.names);
    if (state.status === 'fetching') throw new ModelUnavailableError(name, `Model ${name} is being downloaded; try again shortly.`, 10);
    if (state.status === 'missing' || state.status === 'failed') {
      // The file may have been added or replaced since start-up: look again before refusing.
      if (!(await isReadable(state.file))) throw new ModelUnavailableError(name, this.installHint(name));
      state.available = true;
      if (state.status === 'missing') state.status = 'not-loaded';
    }
    if (!this.pool) throw new ModelUnavailableError(name, `Model ${name} is loading; try again shortly.`, 5);
    // Header only, a few microseconds: bombs, empty and unsupported images never take a place in the queue.
    probeImage(image, { maxPixels: this.config.maxImagePixels });

    const started = performance.now();
    const deadline = AbortSignal.timeout(this.config.requestTimeoutMs);
    let result: PoolResult;
    try {
      result = await this.pool.detect({ name, file: state.file }, image, options, signal ? AbortSignal.any([signal, deadline]) : deadline);
    } catch (error) {
      throw this.refusal(name, error, deadline.aborted);
    }
    if (result.ok) {
      this.events.emit('detection', { model: name, timings: result.outcome.timings, queueMs: result.queueMs, totalMs: performance.now() - started });
      return result.outcome;
    }
    if (result.error.kind === 'image') throw new ImageError(result.error.imageKind, result.error.message);
    // A cancelled task means its caller has already been answered (the abort rejected the wait above).
    if (result.error.kind === 'cancelled') throw this.refusal(name, signal?.reason, deadline.aborted);
    throw new ModelUnavailableError(name, `Model ${name} could not be loaded: ${result.error.message}`);
  }

  /** Translates the pool's back-pressure and abort errors into answers; anything else passes through unchanged. */
  private refusal(name: string, error: unknown, timedOut: boolean): unknown {
    if (error instanceof PoolQueueFullError) return this.atCapacity(name);
    const { requestTimeoutMs, retryAfterSeconds } = this.config;
    let refused: RequestRefusedError;
    if (error instanceof PoolClosedError) {
      refused = shuttingDownRefusal(retryAfterSeconds);
    } else if (timedOut) {
      refused = new RequestRefusedError('timeout', `The detection did not finish within the service's ${requestTimeoutMs} ms request timeout; it was abandoned.`, retryAfterSeconds);
    } else if (error instanceof RequestRefusedError) {
      refused = error;
    } else if (error instanceof Error && error.name === 'AbortError') {
      refused = new RequestRefusedError('client_closed', 'The client closed the request; its detection was abandoned.');
    } else {
      return error;
    }
    this.events.emit('refusal', { model: name, reason: refused.reason });
    return refused;
  }

  /** Every worker is busy and the queue is full: a detection asked for now would be refused. */
  isSaturated(): boolean {
    return this.pool !== null && this.pool.queueSize >= this.config.queueDepth && this.pool.runningCount >= this.pool.threads;
  }

  /** The 503 for a detection that finds the queue full (`model` is empty when refused before the body was read). */
  atCapacity(model = ''): RequestRefusedError {
    const { queueDepth, retryAfterSeconds } = this.config;
    this.events.emit('refusal', { model, reason: 'queue_full' });
    return new RequestRefusedError(
      'queue_full',
      `The service is at capacity: every worker is busy and ${queueDepth} request(s) are already waiting. Retry after ${retryAfterSeconds} s.`,
      retryAfterSeconds,
    );
  }

  /** The worker pool's load: what /metrics reports as queue depth and busy workers. */
  poolStats(): PoolStats {
    return {
      threads: this.config.workerThreads,
      queued: this.pool?.queueSize ?? 0,
      running: this.pool?.runningCount ?? 0,
      queueDepth: this.config.queueDepth,
    };
  }

  installHint(name: string): string {
    const file = resolve(this.config.modelsDir, modelFileName(name));
    const url = modelDownloadUrl(name, this.config.modelsBaseUrl ?? DEFAULT_MODELS_BASE_URL);
    return (
      `Model ${name} is not installed: ${file} does not exist. Install it with \`npm run models:fetch\` ` +
      `(or download ${url} into ${this.config.modelsDir}/), or start the service with network access so it fetches it; ` +
      `\`npm run models:generate\` makes random-weight stand-ins for benchmarks.`
    );
  }

  async onApplicationShutdown() {
    await this.pool?.close();
  }
}
