import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DEFAULT_PERCENTILE, describeTwinEvent, Int8CpuFeatures, PhotoSplit, photosFailure, twinJobs, twinPhotos } from '@app/quantize';
import { CatalogService } from '../catalog/catalog.service';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { Int8TwinsMessage, Int8TwinsWorkerData, STOP_MESSAGE } from './int8-twins-protocol';

/** The CPU's INT8 features (provided from /proc/cpuinfo; a token so that tests can give another CPU). */
export const INT8_CPU = Symbol('INT8_CPU');

/** How long shutdown waits for the twin in progress to stop at its next photo before ending the thread. */
const STOP_GRACE_MS = 10_000;

/**
 * MODELS_INT8=auto: once the catalog has started (first scan, first-start download), makes the INT8 twin of each
 * float model that has none, one after another in a background thread at the lowest priority, while the float models
 * serve. Each twin is written as `<stem>-int8.onnx` beside its model, where the catalog's next look at the folder
 * finds and serves it. Only on CPUs with VNNI, where INT8 pays.
 */
@Injectable()
export class Int8TwinsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Int8Twins');
  private worker: Worker | null = null;

  constructor(
    @Inject(detectorConfig.KEY) private readonly config: DetectorConfig,
    @Inject(INT8_CPU) private readonly cpu: Int8CpuFeatures,
    private readonly catalog: CatalogService,
  ) {}

  onApplicationBootstrap() {
    if (this.config.modelsInt8 === 'off') return;
    this.start().catch((error: Error) => this.logger.error(`INT8 twins not made: ${error.message}`, error.stack));
  }

  private async start() {
    if (!this.cpu.vnni) {
      const flags = this.cpu.flags.length > 0 ? this.cpu.flags.join(', ') : 'flags unknown';
      this.logger.log(`MODELS_INT8=auto: no INT8 twins made: this CPU has no VNNI (AVX-512 VNNI or AVX-VNNI; it has ${flags}), without which INT8 is no faster than FP32`);
      return;
    }
    await this.catalog.startedUp;
    const floatModels = this.catalog
      .all()
      .filter((model) => model.description && !model.description.quantization)
      .map(({ name, file }) => ({ name, file }));
    const jobs = twinJobs(floatModels, existsSync);
    if (jobs.length === 0) {
      this.logger.log(`MODELS_INT8=auto: ${floatModels.length === 0 ? 'no float model to make an INT8 twin of' : 'every float model has its INT8 twin'}`);
      return;
    }
    const photos = await this.calibrationPhotos();
    if (!photos) return;
    this.logger.log(`MODELS_INT8=auto: making the INT8 twins of ${jobs.map((job) => job.name).join(', ')} in the background (${this.cpu.summary})`);
    this.worker = new Worker(join(__dirname, 'int8-twins.worker.js'), {
      workerData: { jobs, photos, percentile: DEFAULT_PERCENTILE, intraOpThreads: this.config.intraOpThreads } satisfies Int8TwinsWorkerData,
    });
    this.worker.on('message', (message: Int8TwinsMessage) => this.report(message));
    this.worker.on('error', (error) => this.logger.error(`INT8 twins stopped: ${error.message}`, error.stack));
    this.worker.on('exit', () => (this.worker = null));
  }

  private report(message: Int8TwinsMessage) {
    if (message.type === 'finished') {
      if (message.completed) this.logger.log('MODELS_INT8=auto: INT8 twins done');
      return;
    }
    const line = describeTwinEvent(message);
    if (line === null) return;
    if (message.type === 'failed') this.logger.warn(line);
    else this.logger.log(line);
    // Served from the catalog's next look at the folder; look now rather than within MODELS_POLL_MS.
    if (message.type === 'written') void this.catalog.scan().catch(() => undefined);
  }

  /** The calibration and check photos: the folder's, or coco128 downloaded into it; null (and a log line saying what to do) when there are none. */
  private async calibrationPhotos(): Promise<PhotoSplit | null> {
    const folder = resolve(this.config.modelsInt8PhotosDir ?? join(this.config.modelsDir, 'calibration-photos'));
    const { modelsInt8Photos: count, modelsInt8CheckPhotos: checkCount, modelsInt8PhotosUrl: url } = this.config;
    try {
      return await twinPhotos({
        folder,
        url,
        count,
        checkCount,
        onDownload: () => this.logger.log(`INT8 calibration photos: none in ${folder}, downloading ${url}`),
        onDownloaded: (photos) => this.logger.log(`INT8 calibration photos: ${photos} photos written to ${folder}`),
      });
    } catch (error) {
      this.logger.warn(
        `INT8 twins not made: ${photosFailure(url, error)}. Put ${count + checkCount} or more JPEG/PNG photos like the ones you will serve ` +
          `in ${folder} (or set MODELS_INT8_PHOTOS_DIR), or set MODELS_INT8_PHOTOS_URL to a mirror of the zip, and restart.`,
      );
      return null;
    }
  }

  /** Stops the twin in progress at its next photo (nothing half-made is written); ends the thread only if it does not. */
  async onApplicationShutdown() {
    const worker = this.worker;
    if (!worker) return;
    const exited = once(worker, 'exit');
    worker.postMessage(STOP_MESSAGE);
    const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    await exited.catch(() => undefined);
    clearTimeout(timer);
  }
}
