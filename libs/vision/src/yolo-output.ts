import type { HeadLayout } from './model-contract';

/**
 * Turns the raw YOLOv5 output [1, N, 5 + classes] (cx, cy, w, h, objectness, class scores) into candidate boxes,
 * as ultralytics' non_max_suppression does with multi_label=False: rows whose objectness passes the threshold,
 * confidence = objectness × best class score, which must pass it too.
 */
export interface Candidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  confidence: number;
  classIndex: number;
}

export interface CandidateFilter {
  confidenceThreshold: number;
  /** Only these class indices, or every class when null. */
  classes: ReadonlySet<number> | null;
}

export function decodeYolov5Candidates(output: Float32Array, rowCount: number, columns: number, filter: CandidateFilter): Candidate[] {
  const { confidenceThreshold, classes } = filter;
  const candidates: Candidate[] = [];
  for (let row = 0, base = 0; row < rowCount; row++, base += columns) {
    const objectness = output[base + 4];
    // Cheap pre-filter on objectness first: most of the 25,200 rows stop here.
    if (!(objectness > confidenceThreshold)) continue;
    let classIndex = 0;
    let best = output[base + 5];
    for (let c = 1; c < columns - 5; c++) {
      const score = output[base + 5 + c];
      if (score > best) {
        best = score;
        classIndex = c;
      }
    }
    const confidence = objectness * best;
    if (!(confidence > confidenceThreshold) || (classes !== null && !classes.has(classIndex))) continue;
    const cx = output[base];
    const cy = output[base + 1];
    const halfW = output[base + 2] / 2;
    const halfH = output[base + 3] / 2;
    candidates.push({ x1: cx - halfW, y1: cy - halfH, x2: cx + halfW, y2: cy + halfH, confidence, classIndex });
  }
  return candidates;
}

/**
 * Turns the raw YOLOv8/YOLO11 output [1, 4 + classes, anchors] (rows cx, cy, w, h, then sigmoided class scores; no
 * objectness) into candidate boxes, as Ultralytics' non_max_suppression does with multi_label=False: the best class
 * score of an anchor is its confidence.
 */
export function decodeYolov8Candidates(output: Float32Array, valuesPerAnchor: number, anchorCount: number, filter: CandidateFilter): Candidate[] {
  const { confidenceThreshold, classes } = filter;
  // Class by class over all anchors: the output is anchor-minor, so this reads it in order.
  const best = output.slice(4 * anchorCount, 5 * anchorCount);
  const bestClass = new Uint32Array(anchorCount);
  for (let c = 1; c < valuesPerAnchor - 4; c++) {
    const scores = output.subarray((4 + c) * anchorCount, (5 + c) * anchorCount);
    for (let anchor = 0; anchor < anchorCount; anchor++) {
      if (scores[anchor] > best[anchor]) {
        best[anchor] = scores[anchor];
        bestClass[anchor] = c;
      }
    }
  }
  const candidates: Candidate[] = [];
  for (let anchor = 0; anchor < anchorCount; anchor++) {
    const confidence = best[anchor];
    const classIndex = bestClass[anchor];
    if (!(confidence > confidenceThreshold) || (classes !== null && !classes.has(classIndex))) continue;
    const cx = output[anchor];
    const cy = output[anchorCount + anchor];
    const halfW = output[2 * anchorCount + anchor] / 2;
    const halfH = output[3 * anchorCount + anchor] / 2;
    candidates.push({ x1: cx - halfW, y1: cy - halfH, x2: cx + halfW, y2: cy + halfH, confidence, classIndex });
  }
  return candidates;
}

/**
 * Reads an end-to-end output [1, boxes, 6] (x1, y1, x2, y2, score, class: already selected inside the graph) as
 * Ultralytics does: rows whose score passes the threshold and whose class is asked for; padding rows (score 0) and
 * class indices outside the model's classes are dropped.
 */
export function decodeEnd2EndCandidates(output: Float32Array, rowCount: number, numClasses: number, filter: CandidateFilter): Candidate[] {
  const { confidenceThreshold, classes } = filter;
  const candidates: Candidate[] = [];
  for (let row = 0, base = 0; row < rowCount; row++, base += 6) {
    const confidence = output[base + 4];
    const classIndex = Math.round(output[base + 5]);
    if (!(confidence > confidenceThreshold) || !(classIndex >= 0 && classIndex < numClasses)) continue;
    if (classes !== null && !classes.has(classIndex)) continue;
    candidates.push({ x1: output[base], y1: output[base + 1], x2: output[base + 2], y2: output[base + 3], confidence, classIndex });
  }
  return candidates;
}

/** The candidates of one output tensor (`dims` as ONNX Runtime reports them) read by the model's head layout. */
export function decodeHeadOutput(layout: HeadLayout, output: Float32Array, dims: readonly number[], numClasses: number, filter: CandidateFilter): Candidate[] {
  const [, first, second] = dims;
  switch (layout) {
    case 'yolov5':
      return decodeYolov5Candidates(output, first, second, filter);
    case 'yolov8':
      return decodeYolov8Candidates(output, first, second, filter);
    case 'end2end':
      return decodeEnd2EndCandidates(output, first, numClasses, filter);
  }
}
