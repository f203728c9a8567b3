import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { quantizeFile } from './quantize-file';
import { TwinEvent, TwinJob } from './twin-jobs';
import { PhotoSplit } from './twin-agreement';

export interface MakeTwinsOptions {
  jobs: readonly TwinJob[];
  photos: PhotoSplit;
  percentile: number;
  intraOpThreads: number;
  onEvent: (event: TwinEvent) => void;
  /** Asked between photos: true abandons the twin in progress (nothing is written) and the rest. */
  stopRequested?: () => boolean;
}

class Stopped extends Error {}

/** Makes the twins one after another; a failed one is reported and the next one goes on. Resolves false when stopped. */
export async function makeInt8Twins(options: MakeTwinsOptions): Promise<boolean> {
  const { jobs, photos, onEvent } = options;
  const stopHere = () => {
    if (options.stopRequested?.()) throw new Stopped();
  };
  for (const [index, job] of jobs.entries()) {
    const started = performance.now();
    try {
      stopHere();
      onEvent({ type: 'start', job, index, total: jobs.length, photos: photos.calibration.length });
      const result = await quantizeFile({
        file: job.file,
        out: job.out,
        photos: photos.calibration,
        checkPhotos: photos.check,
        checkHeldOut: photos.heldOut,
        percentile: options.percentile,
        intraOpThreads: options.intraOpThreads,
        onPhoto: (done, total) => {
          stopHere();
          onEvent({ type: 'calibrating', job, done, total });
        },
        onCheck: (done, total) => {
          stopHere();
          if (done === 0) onEvent({ type: 'check', job, photos: total });
        },
      });
      onEvent({ type: 'written', job, bytes: result.bytes, seconds: (performance.now() - started) / 1000, agreement: result.agreement });
    } catch (error) {
      if (error instanceof Stopped) return false;
      onEvent({ type: 'failed', job, error: (error as Error).message.replaceAll(job.file, basename(job.file)) });
    }
  }
  return true;
}
