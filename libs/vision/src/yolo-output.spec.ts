import { decodeCandidates } from './yolo-output';

/** Rows of [cx, cy, w, h, objectness, ...class scores] with 3 classes. */
function output(rows: number[][]): Float32Array {
  return Float32Array.from(rows.flat());
}

describe('decodeCandidates', () => {
  const all = { confidenceThreshold: 0.25, classes: null };

  it('converts centre/size rows to corners with confidence = objectness × best class score', () => {
    const [candidate] = decodeCandidates(output([[100, 50, 40, 20, 0.8, 0.1, 0.9, 0.2]]), 1, 8, all);
    expect(candidate.x1).toBe(80);
    expect(candidate.y1).toBe(40);
    expect(candidate.x2).toBe(120);
    expect(candidate.y2).toBe(60);
    expect(candidate.classIndex).toBe(1);
    expect(candidate.confidence).toBeCloseTo(0.72, 6);
  });

  it('requires objectness and the product to exceed the threshold', () => {
    const rows = [
      [0, 0, 10, 10, 0.2, 0, 1, 0], // objectness below 0.25: dropped before the class scores
      [0, 0, 10, 10, 0.4, 0, 0.5, 0], // 0.4 × 0.5 = 0.2: dropped
      [0, 0, 10, 10, 0.5, 0, 0.6, 0], // 0.3: kept
      [0, 0, 10, 10, 0.25, 1, 0, 0], // exactly the threshold: dropped (strictly greater)
    ];
    const candidates = decodeCandidates(output(rows), rows.length, 8, all);
    expect(candidates).toHaveLength(1);
    expect(candidates[0].confidence).toBeCloseTo(0.3, 6);
  });

  it('keeps only the requested classes', () => {
    const rows = [
      [0, 0, 10, 10, 0.9, 0.9, 0, 0],
      [0, 0, 10, 10, 0.9, 0, 0, 0.9],
    ];
    const candidates = decodeCandidates(output(rows), 2, 8, { confidenceThreshold: 0.25, classes: new Set([2]) });
    expect(candidates.map((c) => c.classIndex)).toEqual([2]);
  });

  it('reads only rowCount rows', () => {
    const rows = [
      [0, 0, 10, 10, 0.9, 0.9, 0, 0],
      [0, 0, 10, 10, 0.9, 0.9, 0, 0],
    ];
    expect(decodeCandidates(output(rows), 1, 8, all)).toHaveLength(1);
  });
});
