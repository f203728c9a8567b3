import type { HeadLayout } from './model-contract';
import { Candidate } from './yolo-output';

/** ultralytics keeps at most this many candidates (by confidence) before NMS. */
export const MAX_NMS_CANDIDATES = 30000;

/** Boxes as corner coordinates: all IoU reads of a candidate. */
export type Corners = Pick<Candidate, 'x1' | 'y1' | 'x2' | 'y2'>;

export function intersectionOverUnion(a: Corners, b: Corners): number {
  const width = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const height = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (width <= 0 || height <= 0) return 0;
  const intersection = width * height;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - intersection;
  return union > 0 ? intersection / union : 0;
}

/** An end-to-end model's boxes are final: only the most confident `maxDetections` are kept, most confident first. */
export function mostConfident(candidates: readonly Candidate[], maxDetections: number): Candidate[] {
  return [...candidates].sort((a, b) => b.confidence - a.confidence).slice(0, maxDetections);
}

/** The boxes answered for one layout's candidates: class-aware NMS, except for end-to-end outputs (NMS ran in the graph). */
export function selectDetections(layout: HeadLayout, candidates: readonly Candidate[], iouThreshold: number, maxDetections: number): Candidate[] {
  return layout === 'end2end' ? mostConfident(candidates, maxDetections) : nonMaxSuppression(candidates, iouThreshold, maxDetections);
}

/**
 * Greedy non-maximum suppression within each class (torchvision's batched_nms): a box is dropped when its IoU
 * with a kept, more confident box of the same class exceeds `iouThreshold`. Returns at most `maxDetections`
 * boxes, most confident first.
 */
export function nonMaxSuppression(candidates: readonly Candidate[], iouThreshold: number, maxDetections: number): Candidate[] {
  const sorted = [...candidates].sort((a, b) => b.confidence - a.confidence).slice(0, MAX_NMS_CANDIDATES);
  const keptByClass = new Map<number, Candidate[]>();
  const kept: Candidate[] = [];
  for (const candidate of sorted) {
    if (kept.length >= maxDetections) break;
    const sameClass = keptByClass.get(candidate.classIndex) ?? [];
    if (sameClass.some((other) => intersectionOverUnion(candidate, other) > iouThreshold)) continue;
    sameClass.push(candidate);
    keptByClass.set(candidate.classIndex, sameClass);
    kept.push(candidate);
  }
  return kept;
}
