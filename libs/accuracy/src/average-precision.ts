import { Corners, intersectionOverUnion } from '@app/vision/nms';
import { LabelledObject } from './yolo-labels';

/** One box a detector reported, in the same pixel space as the labels. */
export interface ScoredDetection extends Corners {
  classIndex: number;
  confidence: number;
}

/** What is known of one image: its labelled objects and what the detector reported for it. */
export interface EvaluatedImage {
  labels: readonly LabelledObject[];
  detections: readonly ScoredDetection[];
}

/** COCO's IoU thresholds 0.50, 0.55, …, 0.95 (mAP@0.5:0.95 averages over them). */
export const COCO_IOU_THRESHOLDS: readonly number[] = Array.from({ length: 10 }, (_, i) => Math.round((0.5 + 0.05 * i) * 100) / 100);

/** COCO's recall points 0, 0.01, …, 1 of the interpolated area under the precision/recall curve. */
const RECALL_POINTS = Array.from({ length: 101 }, (_, i) => i / 100);

export interface ClassAccuracy {
  classIndex: number;
  /** Labelled objects of the class. */
  labels: number;
  /** Detections of the class. */
  detections: number;
  /** AP at each of the evaluation's IoU thresholds, in their order. */
  apByThreshold: number[];
  /** AP at IoU 0.5 (0 when 0.5 is not among the thresholds). */
  ap50: number;
  /** Mean of apByThreshold. */
  apMean: number;
}

export interface DatasetAccuracy {
  iouThresholds: readonly number[];
  /** Every class that has labelled objects, by class index. */
  classes: ClassAccuracy[];
  /** Mean over `classes` of AP at IoU 0.5. */
  map50: number;
  /** Mean over `classes` of AP averaged over the thresholds (mAP@0.5:0.95 with COCO_IOU_THRESHOLDS). */
  map: number;
}

interface Ranked {
  image: number;
  detection: ScoredDetection;
}

/**
 * The detections of one class across all images, most confident first. The sort is stable, so ties keep image
 * order, then each image's own order (pycocotools' mergesort does the same).
 */
function rankClass(images: readonly EvaluatedImage[], classIndex: number): Ranked[] {
  const ranked: Ranked[] = [];
  images.forEach((image, index) => {
    for (const detection of image.detections) if (detection.classIndex === classIndex) ranked.push({ image: index, detection });
  });
  return ranked.sort((a, b) => b.detection.confidence - a.detection.confidence);
}

/**
 * Greedy COCO matching: each detection, most confident first, takes the still unmatched labelled object of its class
 * and image with the highest IoU, if that IoU reaches the threshold (a true positive); otherwise it is a false positive.
 */
function matchRanked(ranked: readonly Ranked[], labelsByImage: ReadonlyMap<number, readonly LabelledObject[]>, iouThreshold: number): boolean[] {
  const taken = new Map<number, Set<number>>();
  return ranked.map(({ image, detection }) => {
    const labels = labelsByImage.get(image) ?? [];
    const used = taken.get(image) ?? new Set<number>();
    taken.set(image, used);
    let best = -1;
    let bestIou = iouThreshold;
    labels.forEach((label, index) => {
      if (used.has(index)) return;
      const iou = intersectionOverUnion(detection, label);
      if (iou >= bestIou) {
        best = index;
        bestIou = iou;
      }
    });
    if (best < 0) return false;
    used.add(best);
    return true;
  });
}

/**
 * 101-point interpolated AP (COCO): precision at each recall point is the highest precision reached at that recall
 * or beyond (the envelope), 0 past the last recall reached; AP is their mean. `matches` are in ranked order.
 */
export function interpolatedAveragePrecision(matches: readonly boolean[], labelCount: number): number {
  if (labelCount === 0) throw new Error('AP is undefined for a class without labelled objects');
  const recall: number[] = [];
  const precision: number[] = [];
  let truePositives = 0;
  matches.forEach((match, index) => {
    if (match) truePositives++;
    recall.push(truePositives / labelCount);
    precision.push(truePositives / (index + 1));
  });
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i], precision[i + 1]);
  let sum = 0;
  let at = 0;
  for (const point of RECALL_POINTS) {
    while (at < recall.length && recall[at] < point) at++;
    if (at === recall.length) break;
    sum += precision[at];
  }
  return sum / RECALL_POINTS.length;
}

function labelsOfClass(images: readonly EvaluatedImage[], classIndex: number): Map<number, LabelledObject[]> {
  const byImage = new Map<number, LabelledObject[]>();
  images.forEach((image, index) => {
    const labels = image.labels.filter((label) => label.classIndex === classIndex);
    if (labels.length > 0) byImage.set(index, labels);
  });
  return byImage;
}

const mean = (values: readonly number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length);

/** COCO-style AP of every labelled class at each IoU threshold, and their means (mAP@0.5, mAP@0.5:0.95). */
export function evaluateDetections(images: readonly EvaluatedImage[], iouThresholds: readonly number[] = COCO_IOU_THRESHOLDS): DatasetAccuracy {
  const labelledClasses = [...new Set(images.flatMap((image) => image.labels.map((label) => label.classIndex)))].sort((a, b) => a - b);
  const classes = labelledClasses.map((classIndex): ClassAccuracy => {
    const labelsByImage = labelsOfClass(images, classIndex);
    const labels = [...labelsByImage.values()].reduce((sum, list) => sum + list.length, 0);
    const ranked = rankClass(images, classIndex);
    const apByThreshold = iouThresholds.map((threshold) => interpolatedAveragePrecision(matchRanked(ranked, labelsByImage, threshold), labels));
    const at50 = iouThresholds.indexOf(0.5);
    return { classIndex, labels, detections: ranked.length, apByThreshold, ap50: at50 < 0 ? 0 : apByThreshold[at50], apMean: mean(apByThreshold) };
  });
  return { iouThresholds, classes, map50: mean(classes.map((c) => c.ap50)), map: mean(classes.map((c) => c.apMean)) };
}

export interface PrecisionRecall {
  truePositives: number;
  falsePositives: number;
  labels: number;
  /** TP / detections (0 without detections). */
  precision: number;
  /** TP / labelled objects (0 without labels). */
  recall: number;
}

/** Precision and recall of all detections as given (e.g. at the service's default thresholds), matched as in AP. */
export function precisionRecall(images: readonly EvaluatedImage[], iouThreshold = 0.5): PrecisionRecall {
  const classIndices = new Set(images.flatMap((image) => [...image.labels, ...image.detections].map((box) => box.classIndex)));
  let truePositives = 0;
  let detections = 0;
  for (const classIndex of classIndices) {
    const matches = matchRanked(rankClass(images, classIndex), labelsOfClass(images, classIndex), iouThreshold);
    truePositives += matches.filter(Boolean).length;
    detections += matches.length;
  }
  const labels = images.reduce((sum, image) => sum + image.labels.length, 0);
  return {
    truePositives,
    falsePositives: detections - truePositives,
    labels,
    precision: detections > 0 ? truePositives / detections : 0,
    recall: labels > 0 ? truePositives / labels : 0,
  };
}
