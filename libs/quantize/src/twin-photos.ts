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
    const written = await fetchCalibrationPhotos(folder, url);
    options.onDownloaded?.(written);
  }
  return splitPhotos(calibrationPhotos(folder, count + checkCount), count, checkCount);
}

/** Why the photos could not be had, in words: the socket's code (ENOTFOUND offline) or the failure. */
export function photosFailure(url: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return `no calibration photos (${code ? `the download of ${url} failed: ${code}` : (error as Error).message}; offline?)`;
}
