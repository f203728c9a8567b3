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

export function decodeCandidates(output: Float32Array, rowCount: number, columns: number, filter: CandidateFilter): Candidate[] {
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
