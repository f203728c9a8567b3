import { decodeEnd2EndCandidates, decodeHeadOutput, decodeYolov5Candidates, decodeYolov8Candidates } from './yolo-output';

/** Rows of [cx, cy, w, h, objectness, ...class scores] with 3 classes. */
function output(rows: number[][]): Float32Array {
  return Float32Array.from(rows.flat());
}

describe('decodeYolov5Candidates', () => {
  const all = { confidenceThreshold: 0.25, classes: null };

  it('converts centre/size rows to corners with confidence = objectness × best class score', () => {
    const [candidate] = decodeYolov5Candidates(output([[100, 50, 40, 20, 0.8, 0.1, 0.9, 0.2]]), 1, 8, all);
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
    const candidates = decodeYolov5Candidates(output(rows), rows.length, 8, all);
    expect(candidates).toHaveLength(1);
    expect(candidates[0].confidence).toBeCloseTo(0.3, 6);
  });

  it('keeps only the requested classes', () => {
    const rows = [
      [0, 0, 10, 10, 0.9, 0.9, 0, 0],
      [0, 0, 10, 10, 0.9, 0, 0, 0.9],
    ];
    const candidates = decodeYolov5Candidates(output(rows), 2, 8, { confidenceThreshold: 0.25, classes: new Set([2]) });
    expect(candidates.map((c) => c.classIndex)).toEqual([2]);
  });

  it('reads only rowCount rows', () => {
    const rows = [
      [0, 0, 10, 10, 0.9, 0.9, 0, 0],
      [0, 0, 10, 10, 0.9, 0.9, 0, 0],
    ];
    expect(decodeYolov5Candidates(output(rows), 1, 8, all)).toHaveLength(1);
  });
});

/** Anchors as [cx, cy, w, h, ...class scores], written anchor-minor as YOLOv8 does: [4 + classes, anchors]. */
function yolov8Output(anchors: number[][]): Float32Array {
  const values = anchors[0].length;
  const data = new Float32Array(values * anchors.length);
  anchors.forEach((anchor, a) => anchor.forEach((value, v) => (data[v * anchors.length + a] = value)));
  return data;
}

describe('decodeYolov8Candidates', () => {
  const all = { confidenceThreshold: 0.25, classes: null };

  it('reads anchor-minor centre/size rows; the best class score is the confidence (no objectness)', () => {
    const data = yolov8Output([
      [100, 50, 40, 20, 0.1, 0.9, 0.2],
      [300, 200, 10, 10, 0.3, 0.2, 0.1],
    ]);
    const candidates = decodeYolov8Candidates(data, 7, 2, all);
    expect(candidates).toHaveLength(2);
    expect(candidates[0]).toMatchObject({ x1: 80, y1: 40, x2: 120, y2: 60, classIndex: 1 });
    expect(candidates[0].confidence).toBeCloseTo(0.9, 6);
    expect(candidates[1]).toMatchObject({ x1: 295, y1: 195, x2: 305, y2: 205, classIndex: 0 });
    expect(candidates[1].confidence).toBeCloseTo(0.3, 6);
  });

  it('keeps anchors whose best score exceeds the threshold, and only the requested classes of them', () => {
    const data = yolov8Output([
      [0, 0, 10, 10, 0.25, 0, 0], // exactly the threshold: dropped
      [0, 0, 10, 10, 0.2, 0.1, 0.24], // every score under it: dropped
      [0, 0, 10, 10, 0.9, 0, 0.3], // class 0
      [0, 0, 10, 10, 0, 0, 0.5], // class 2
    ]);
    expect(decodeYolov8Candidates(data, 7, 4, all).map((c) => c.classIndex)).toEqual([0, 2]);
    // The filter applies to the best class, as Ultralytics does: anchor 2 is class 0 even though class 2 passes too.
    expect(decodeYolov8Candidates(data, 7, 4, { confidenceThreshold: 0.25, classes: new Set([2]) }).map((c) => c.classIndex)).toEqual([2]);
  });
});

describe('decodeEnd2EndCandidates', () => {
  it('reads corner rows with their score and class, dropping padding, weak rows, unknown classes and unrequested ones', () => {
    const data = Float32Array.from([
      [10, 20, 110, 220, 0.9, 3],
      [5, 5, 50, 50, 0.6, 0],
      [0, 0, 10, 10, 0.2, 1], // under the threshold
      [0, 0, 10, 10, 0.8, 7], // no such class
      [0, 0, 0, 0, 0, 0], // padding
    ].flat());
    const all = decodeEnd2EndCandidates(data, 5, 4, { confidenceThreshold: 0.25, classes: null });
    expect(all).toEqual([
      { x1: 10, y1: 20, x2: 110, y2: 220, confidence: expect.closeTo(0.9, 6), classIndex: 3 },
      { x1: 5, y1: 5, x2: 50, y2: 50, confidence: expect.closeTo(0.6, 6), classIndex: 0 },
    ]);
    expect(decodeEnd2EndCandidates(data, 5, 4, { confidenceThreshold: 0.25, classes: new Set([0]) }).map((c) => c.classIndex)).toEqual([0]);
    expect(decodeEnd2EndCandidates(data, 1, 4, { confidenceThreshold: 0.25, classes: null })).toHaveLength(1);
  });
});

describe('decodeHeadOutput', () => {
  it('reads the dims of each layout: [1, rows, columns], [1, values, anchors], [1, boxes, 6]', () => {
    const filter = { confidenceThreshold: 0.25, classes: null };
    expect(decodeHeadOutput('yolov5', output([[100, 50, 40, 20, 0.8, 0.1, 0.9]]), [1, 1, 7], 2, filter)).toMatchObject([{ x1: 80, classIndex: 1 }]);
    expect(decodeHeadOutput('yolov8', yolov8Output([[100, 50, 40, 20, 0.1, 0.9]]), [1, 6, 1], 2, filter)).toMatchObject([{ x1: 80, classIndex: 1 }]);
    expect(decodeHeadOutput('end2end', Float32Array.from([80, 40, 120, 60, 0.9, 1]), [1, 1, 6], 2, filter)).toMatchObject([{ x1: 80, classIndex: 1 }]);
  });
});
