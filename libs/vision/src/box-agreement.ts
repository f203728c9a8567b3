import { Corners, intersectionOverUnion } from './nms';
import { Detection } from './scale-boxes';

/** Two detections describe the same object when they share the class and overlap at least this much (PASCAL VOC's rule). */
export const AGREEMENT_IOU_THRESHOLD = 0.5;

/** One pair of boxes the two models agree on: indices into each model's detections. */
export interface BoxMatch {
  a: number;
  b: number;
  iou: number;
}

export interface BoxAgreement {
  boxesA: number;
  boxesB: number;
  matches: BoxMatch[];
  /** matches / boxesA: how much of A's output B confirms (B's recall if A were the ground truth); null without boxes in A. */
  matchedShareOfA: number | null;
  /** matches / boxesB: how much of B's output A confirms (B's precision if A were the ground truth); null without boxes in B. */
  matchedShareOfB: number | null;
  /** 2·matches / (boxesA + boxesB), the harmonic mean of the two shares; null when neither model found anything. */
  f1: number | null;
  /** Mean IoU of the matched pairs; null without matches. */
  meanIou: number | null;
}

const sameCorners = (p: Detection, q: Detection) => p.x_min === q.x_min && p.y_min === q.y_min && p.x_max === q.x_max && p.y_max === q.y_max;

const asBox = ({ x_min, y_min, x_max, y_max }: Detection): Corners => ({ x1: x_min, y1: y_min, x2: x_max, y2: y_max });

/** IoU of two detections' boxes. */
export const detectionIou = (a: Detection, b: Detection): number => intersectionOverUnion(asBox(a), asBox(b));

/**
 * Matches two models' detections one-to-one: same class, IoU ≥ `iouThreshold`. Pairs are taken greedily in order
 * of their weaker confidence (then IoU), so the pairs whose boxes both reach a confidence c are exactly the matching
 * of the two outputs filtered at c: a client can re-threshold both outputs and keep the matches without re-matching.
 */
export function matchDetections(a: readonly Detection[], b: readonly Detection[], iouThreshold = AGREEMENT_IOU_THRESHOLD): BoxMatch[] {
  const boxesB = b.map(asBox);
  const candidates: (BoxMatch & { weaker: number })[] = [];
  a.forEach((detectionA, i) => {
    const boxA = asBox(detectionA);
    b.forEach((detectionB, j) => {
      if (detectionA.class_name !== detectionB.class_name) return;
      // A box clipped to a line at the image border has no area, hence no IoU; an identical one is still the same object.
      const iou = sameCorners(detectionA, detectionB) ? 1 : intersectionOverUnion(boxA, boxesB[j]);
      if (iou >= iouThreshold) candidates.push({ a: i, b: j, iou, weaker: Math.min(detectionA.confidence, detectionB.confidence) });
    });
  });
  candidates.sort((x, y) => y.weaker - x.weaker || y.iou - x.iou || x.a - y.a || x.b - y.b);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const matches: BoxMatch[] = [];
  for (const { a: i, b: j, iou } of candidates) {
    if (usedA.has(i) || usedB.has(j)) continue;
    usedA.add(i);
    usedB.add(j);
    matches.push({ a: i, b: j, iou });
  }
  return matches;
}

const ratio = (numerator: number, denominator: number) => (denominator > 0 ? numerator / denominator : null);

/** How far two models' outputs for the same image agree (see BoxAgreement for each figure). */
export function boxAgreement(a: readonly Detection[], b: readonly Detection[], iouThreshold = AGREEMENT_IOU_THRESHOLD): BoxAgreement {
  const matches = matchDetections(a, b, iouThreshold);
  return {
    boxesA: a.length,
    boxesB: b.length,
    matches,
    matchedShareOfA: ratio(matches.length, a.length),
    matchedShareOfB: ratio(matches.length, b.length),
    f1: ratio(2 * matches.length, a.length + b.length),
    meanIou: ratio(
      matches.reduce((sum, match) => sum + match.iou, 0),
      matches.length,
    ),
  };
}
