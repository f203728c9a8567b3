import type { BoxAgreement } from '@app/vision';

/** How far an INT8 twin's answers agree with its float model's, measured when the twin was made. */
export interface TwinAgreement {
  /** Photos both models ran on. */
  photos: number;
  /** Whether those photos were others than the calibration photos (false when the folder had no more). */
  heldOut: boolean;
  /** Detections as a default request gets them (confidence and NMS IoU), matched at this IoU (same class). */
  confidenceThreshold: number;
  iouThreshold: number;
  boxesFloat: number;
  boxesInt8: number;
  matched: number;
  /** 2·matched / (boxesFloat + boxesInt8) over all photos; null when neither model found anything. */
  f1: number | null;
  /** Mean IoU of the matched pairs; null without matches. */
  meanIou: number | null;
}

export interface PhotoSplit {
  calibration: string[];
  check: string[];
  heldOut: boolean;
}

/**
 * The first `count` photos calibrate; the next `checkCount` measure the agreement. A folder without more photos than
 * the calibration takes checks on the calibration photos themselves, and the record says so.
 */
export function splitPhotos(photos: readonly string[], count: number, checkCount: number): PhotoSplit {
  const calibration = photos.slice(0, count);
  const rest = photos.slice(count, count + checkCount);
  if (rest.length > 0 || checkCount === 0) return { calibration, check: rest, heldOut: true };
  return { calibration, check: calibration.slice(0, checkCount), heldOut: false };
}

const rounded = (value: number | null) => (value === null ? null : Number(value.toFixed(3)));

/** Pools per-photo agreements (float model as A, twin as B) into one record: counts summed, not averages of averages. */
export function pooledTwinAgreement(
  perPhoto: readonly BoxAgreement[],
  settings: Pick<TwinAgreement, 'heldOut' | 'confidenceThreshold' | 'iouThreshold'>,
): TwinAgreement {
  const boxesFloat = perPhoto.reduce((sum, photo) => sum + photo.boxesA, 0);
  const boxesInt8 = perPhoto.reduce((sum, photo) => sum + photo.boxesB, 0);
  const matches = perPhoto.flatMap((photo) => photo.matches);
  return {
    photos: perPhoto.length,
    ...settings,
    boxesFloat,
    boxesInt8,
    matched: matches.length,
    f1: boxesFloat + boxesInt8 > 0 ? rounded((2 * matches.length) / (boxesFloat + boxesInt8)) : null,
    meanIou: matches.length > 0 ? rounded(matches.reduce((sum, match) => sum + match.iou, 0) / matches.length) : null,
  };
}

/** One line for a log: "F1 0.962, mean IoU 0.941 (51 float boxes, 50 INT8, 49 matched) on 16 held-out photos". */
export function formatTwinAgreement(agreement: TwinAgreement): string {
  const figure = (value: number | null) => (value === null ? '–' : value.toFixed(3));
  return (
    `F1 ${figure(agreement.f1)}, mean IoU ${figure(agreement.meanIou)} (${agreement.boxesFloat} float boxes, ${agreement.boxesInt8} INT8, ` +
    `${agreement.matched} matched) on ${agreement.photos} ${agreement.heldOut ? 'held-out' : 'calibration'} photos`
  );
}
