import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { createDownloadProgress, DEFAULT_MODEL_NAMES, fetchMissingModels, formatFetchSummary, OFFICIAL_MODEL_NAMES } from '@app/model-store';
import { probeModelFile } from '@app/vision';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { withHostPaths } from './host-paths';
import { ModelCatalog } from './model-catalog';
import { isMissing } from './model-state';

/**
 * The catalog as the service runs it: the first scan at start, the first-start download of the missing official
 * models (the defaults, and any official name the models config lists), and a look at the folder every
 * MODELS_POLL_MS so files added, replaced or removed while running are served, reloaded or dropped without a restart.
 */
@Injectable()
export class CatalogService extends ModelCatalog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ModelCatalog');
  private poll: NodeJS.Timeout | null = null;
  /** A log line with the host's path beside each model file's, when MODELS_HOST_DIR says where the folder is mounted from. */
  private readonly onHost: (message: string) => string;
  private startUpDone!: () => void;
  /** Resolves once the first scan and the first-start download are over, whatever their outcome. */
  readonly startedUp = new Promise<void>((resolve) => (this.startUpDone = resolve));

  constructor(@Inject(detectorConfig.KEY) private readonly config: DetectorConfig) {
    const onHost = (message: string) => withHostPaths(message, resolve(config.modelsDir), config.modelsHostDir);
    super({
      modelsDir: config.modelsDir,
      config: config.modelsConfig,
      defaults: { inputSize: config.inferenceSize, replicas: config.workerThreads, threads: config.intraOpThreads, loading: config.modelsLoading, shapePolicy: 'rectangular' },
      expected: DEFAULT_MODEL_NAMES,
      probe: probeModelFile,
      log: { log: (message) => this.logger.log(onHost(message)), warn: (message) => this.logger.warn(onHost(message)), error: (message) => this.logger.error(onHost(message)) },
    });
    this.onHost = onHost;
  }

  onApplicationBootstrap() {
    // In the background: the HTTP server answers (liveness, readiness 503) while models are found and downloaded.
    this.start()
      .catch((error: Error) => this.logger.error(`Model start-up failed: ${error.message}`, error.stack))
      .finally(() => this.startUpDone());
  }

  private async start() {
    await this.scan();
    this.poll = setInterval(() => void this.scan().catch((error: Error) => this.logger.error(`Models folder scan failed: ${error.message}`)), this.config.modelsPollMs);
    this.poll.unref();
    if (this.config.modelsAutoFetch) await this.fetchMissing();
  }

  /** Downloads the official models the catalog expects and the folder lacks; other models are the user's to provide. */
  private async fetchMissing() {
    const wanted = new Set([...DEFAULT_MODEL_NAMES, ...Object.keys(this.config.modelsConfig.models)]);
    const names = this.all()
      .filter((model) => isMissing(model.status) && OFFICIAL_MODEL_NAMES.includes(model.name) && wanted.has(model.name))
      .map((model) => model.name);
    if (names.length === 0) return;
    this.logger.log(`Fetching missing models: ${names.join(', ')}`);
    for (const name of names) this.setFetching(name, true);
    try {
      const outcomes = await fetchMissingModels({
        names,
        modelsDir: this.config.modelsDir,
        baseUrl: this.config.modelsBaseUrl,
        createProgress: (name) => createDownloadProgress(`${name}.onnx`, { stream: this.progressStream() }),
      });
      const summary = this.onHost(`Model fetch:\n${formatFetchSummary(outcomes)}`);
      // A failed download is a warning: with LOG_LEVEL=warn it is the only place that says why the model is missing.
      if (outcomes.some((outcome) => outcome.status === 'failed')) this.logger.warn(summary);
      else this.logger.log(summary);
    } finally {
      for (const name of names) this.setFetching(name, false);
      await this.scan();
    }
  }

  /** A terminal gets the redrawn bar; elsewhere its occasional lines go to the log, which is JSON there. */
  private progressStream(): NodeJS.WritableStream | undefined {
    if (process.stderr.isTTY) return undefined;
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const line of chunk.toString().split('\n')) if (line.trim() !== '') this.logger.log(line.trim());
        done();
      },
    });
  }

  onApplicationShutdown() {
    if (this.poll) clearInterval(this.poll);
  }
}
