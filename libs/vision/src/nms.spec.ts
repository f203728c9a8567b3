import { intersectionOverUnion, nonMaxSuppression, selectDetections } from './nms';
import { Candidate } from './yolo-output';

const box = (x1: number, y1: number, x2: number, y2: number, confidence: number, classIndex = 0): Candidate => ({ x1, y1, x2, y2, confidence, classIndex });

describe('intersectionOverUnion', () => {
  it('is 1 for identical boxes, 0 for disjoint or touching ones', () => {
    expect(intersectionOverUnion(box(0, 0, 10, 10, 1), box(0, 0, 10, 10, 1))).toBe(1);
    expect(intersectionOverUnion(box(0, 0, 10, 10, 1), box(10, 0, 20, 10, 1))).toBe(0);
    expect(intersectionOverUnion(box(0, 0, 10, 10, 1), box(30, 30, 40, 40, 1))).toBe(0);
  });

  it('is intersection over union for a partial overlap', () => {
    // overlap 5x10 = 50; union 100 + 100 - 50 = 150
    expect(intersectionOverUnion(box(0, 0, 10, 10, 1), box(5, 0, 15, 10, 1))).toBeCloseTo(1 / 3, 10);
  });
});

describe('nonMaxSuppression', () => {
  it('drops a less confident box of the same class above the IoU threshold, most confident first', () => {
    const kept = nonMaxSuppression([box(1, 1, 11, 11, 0.6), box(0, 0, 10, 10, 0.9), box(50, 50, 60, 60, 0.7)], 0.45, 1000);
    expect(kept.map((b) => b.confidence)).toEqual([0.9, 0.7]);
  });

  it('keeps overlapping boxes of different classes', () => {
    const kept = nonMaxSuppression([box(0, 0, 10, 10, 0.9, 0), box(0, 0, 10, 10, 0.8, 1)], 0.45, 1000);
    expect(kept.map((b) => b.classIndex)).toEqual([0, 1]);
  });

  it('suppresses only when IoU is strictly above the threshold', () => {
    const a = box(0, 0, 10, 10, 0.9);
    const b = box(5, 0, 15, 10, 0.8); // IoU 1/3
    expect(nonMaxSuppression([a, b], 1 / 3, 1000)).toHaveLength(2);
    expect(nonMaxSuppression([a, b], 0.33, 1000)).toHaveLength(1);
  });

  it('suppresses against kept boxes only (a suppressed box does not suppress others)', () => {
    // b overlaps a (suppressed); c overlaps b but not a: c survives.
    const a = box(0, 0, 10, 10, 0.9);
    const b = box(4, 0, 14, 10, 0.8);
    const c = box(9, 0, 19, 10, 0.7);
    expect(nonMaxSuppression([a, b, c], 0.4, 1000)).toEqual([a, c]);
  });

  it('stops at maxDetections', () => {
    const many = Array.from({ length: 20 }, (_, i) => box(i * 20, 0, i * 20 + 10, 10, 0.5 + i / 100));
    const kept = nonMaxSuppression(many, 0.45, 5);
    expect(kept).toHaveLength(5);
    expect(kept[0].confidence).toBeCloseTo(0.69);
  });
});

describe('selectDetections', () => {
  const overlapping = [box(0, 0, 10, 10, 0.6), box(1, 1, 11, 11, 0.9), box(50, 50, 60, 60, 0.7, 2)];

  it('suppresses overlapping boxes of a class for the yolov5 and yolov8 layouts', () => {
    for (const layout of ['yolov5', 'yolov8'] as const) expect(selectDetections(layout, overlapping, 0.45, 10).map((c) => c.confidence)).toEqual([0.9, 0.7]);
  });

  it('keeps an end-to-end model\'s boxes as they are, most confident first and at most maxDetections', () => {
    expect(selectDetections('end2end', overlapping, 0.45, 10).map((c) => c.confidence)).toEqual([0.9, 0.7, 0.6]);
    expect(selectDetections('end2end', overlapping, 0.45, 2).map((c) => c.confidence)).toEqual([0.9, 0.7]);
  });
});
