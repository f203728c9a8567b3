import type { PhotoSplit, TwinEvent, TwinJob } from '@app/quantize';

export interface Int8TwinsWorkerData {
  jobs: TwinJob[];
  photos: PhotoSplit;
  percentile: number;
  intraOpThreads: number;
}

/** The worker's messages: each event of making the twins, then `finished` (completed false when stopped). */
export type Int8TwinsMessage = TwinEvent | { type: 'finished'; completed: boolean };

/** The main thread's one message: stop after the photo in progress (at shutdown). */
export const STOP_MESSAGE = 'stop';
