import { calibrationPhotos, fetchCalibrationPhotos, hasPhotos } from '@app/model-store';
import { PhotoSplit, splitPhotos } from './twin-agreement';

export interface TwinPhotosOptions {
  folder: string;
  /** Where photos come from when the folder has none: a zip (coco128 by default). */
  url: string;
  count: number;
  checkCount: number;
  /** Told before a download starts and when it has written the photos. */
  onDownload?: (url: string) => void;
  onDownloaded?: (photos: number) => void;
}

/** The calibration and check photos of the twins: the folder's, after downloading the zip's into it when it has none. */
export async function twinPhotos(options: TwinPhotosOptions): Promise<PhotoSplit> {
  const { folder, url, count, checkCount } = options;
  if (!hasPhotos(folder)) {
    options.onDownload?.(url);
    options.onDownloaded?.(await fetchCalibrationPhotos(folder, url));
  }
  return splitPhotos(calibrationPhotos(folder, count + checkCount), count, checkCount);
}

/** Why the photos could not be had, in words: the socket's code (ENOTFOUND offline) or the message. */
export const photosFailure = (url: string, error: unknown) =>
  `no calibration photos (the download of ${url} failed: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; offline?)`;
