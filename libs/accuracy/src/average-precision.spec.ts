import { COCO_IOU_THRESHOLDS, evaluateDetections, EvaluatedImage, interpolatedAveragePrecision, precisionRecall, ScoredDetection } from './average-precision';
import { LabelledObject } from './yolo-labels';

const label = (classIndex: number, x1: number, y1: number, x2: number, y2: number): LabelledObject => ({ classIndex, x1, y1, x2, y2 });
const detection = (classIndex: number, confidence: number, x1: number, y1: number, x2: number, y2: number): ScoredDetection => ({ classIndex, confidence, x1, y1, x2, y2 });
const perfect = (labels: LabelledObject[]): EvaluatedImage => ({ labels, detections: labels.map((box) => ({ ...box, confidence: 0.9 })) });

describe('COCO_IOU_THRESHOLDS', () => {
  it('are 0.50, 0.55, …, 0.95 exactly', () => {
    expect(COCO_IOU_THRESHOLDS).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
  });
});

describe('interpolatedAveragePrecision', () => {
  it('is 1 when every detection is right and every object found', () => {
    expect(interpolatedAveragePrecision([true, true], 2)).toBe(1);
  });

  it('takes the envelope: a false positive before the last hit costs only the recall points it spans', () => {
    // Recall 0.5 at precision 1, then precision 1/2, then recall 1 at precision 2/3: points 0..0.5 read 1, 0.51..1 read 2/3.
    expect(interpolatedAveragePrecision([true, false, true], 2)).toBeCloseTo((51 * 1 + 50 * (2 / 3)) / 101, 12);
  });

  it('counts recall points never reached as precision 0', () => {
    expect(interpolatedAveragePrecision([true], 2)).toBeCloseTo(51 / 101, 12);
    expect(interpolatedAveragePrecision([], 3)).toBe(0);
  });

  it('refuses a class without labelled objects (it takes no part in the mean)', () => {
    expect(() => interpolatedAveragePrecision([false], 0)).toThrow(/without labelled objects/);
  });
});

describe('evaluateDetections', () => {
  it('scores a perfect prediction 1 at every threshold', () => {
    const images = [perfect([label(0, 10, 10, 50, 90), label(2, 100, 100, 140, 130)]), perfect([label(0, 5, 5, 25, 25)])];
    const result = evaluateDetections(images);
    expect(result.map50).toBe(1);
    expect(result.map).toBe(1);
    expect(result.classes.map((c) => [c.classIndex, c.labels, c.apByThreshold.every((ap) => ap === 1)])).toEqual([
      [0, 2, true],
      [2, 1, true],
    ]);
  });

  it('loses a shifted box exactly at the thresholds above its IoU', () => {
    // 100x100 box shifted 20 px right: intersection 80x100, union 120x100, IoU 2/3.
    const images = [{ labels: [label(0, 0, 0, 100, 100)], detections: [detection(0, 0.8, 20, 0, 120, 100)] }];
    const result = evaluateDetections(images);
    const hits = result.classes[0].apByThreshold.map((ap) => ap === 1);
    expect(COCO_IOU_THRESHOLDS.filter((_, i) => hits[i])).toEqual([0.5, 0.55, 0.6, 0.65]);
    expect(result.classes[0].apByThreshold.filter((ap) => ap !== 1)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(result.map50).toBe(1);
    expect(result.map).toBeCloseTo(0.4, 12);
  });

  it('counts a box that reaches the threshold exactly as a hit', () => {
    // 90 px wide, shifted 30 px: intersection 60, union 120.
    const images = [{ labels: [label(0, 0, 0, 90, 100)], detections: [detection(0, 0.8, 30, 0, 120, 100)] }];
    expect(evaluateDetections(images, [0.5]).map50).toBe(1);
  });

  it('makes duplicate boxes false positives: one object is matched once', () => {
    const box = label(0, 0, 0, 100, 100);
    const duplicated = [{ labels: [box], detections: [detection(0, 0.9, 0, 0, 100, 100), detection(0, 0.8, 1, 1, 100, 100)] }];
    const summary = precisionRecall(duplicated);
    expect(summary).toEqual({ truePositives: 1, falsePositives: 1, labels: 1, precision: 0.5, recall: 1 });
    // The duplicate ranks below the hit, so the envelope keeps AP at 1 ...
    expect(evaluateDetections(duplicated).map50).toBe(1);
    // ... but a more confident duplicate of a second object's neighbour costs precision before that object is found.
    const twoObjects = [{ labels: [box, label(0, 200, 200, 300, 300)], detections: [detection(0, 0.9, 0, 0, 100, 100), detection(0, 0.8, 2, 2, 100, 100), detection(0, 0.7, 200, 200, 300, 300)] }];
    expect(evaluateDetections(twoObjects).map50).toBeCloseTo((51 * 1 + 50 * (2 / 3)) / 101, 12);
  });

  it('matches the most confident detection first, to the labelled box of highest IoU', () => {
    const a = label(0, 0, 0, 100, 100);
    const b = label(0, 25, 0, 125, 100);
    // The stronger detection overlaps A (IoU 0.64) and B (IoU 0.94): it takes B, leaving A to the weaker one (IoU 0.82
    // with A, 0.48 with B). Taking the first box above the threshold instead would leave the weaker one unmatched.
    const images = [{ labels: [a, b], detections: [detection(0, 0.5, -10, 0, 90, 100), detection(0, 0.9, 22, 0, 122, 100)] }];
    expect(precisionRecall(images).truePositives).toBe(2);
    // Ranked by confidence, not by list order: the stronger detection of one object takes it, the weaker is the duplicate.
    const one = [{ labels: [a], detections: [detection(0, 0.5, 0, 0, 100, 100), detection(0, 0.9, 20, 0, 120, 100)] }];
    expect(evaluateDetections(one, [0.5]).map50).toBe(1);
    expect(evaluateDetections(one, [0.7]).map).toBeCloseTo(0.5, 12);
  });

  it('never matches across classes or images', () => {
    const images = [
      { labels: [label(0, 0, 0, 10, 10)], detections: [detection(1, 0.9, 0, 0, 10, 10)] },
      { labels: [], detections: [detection(0, 0.9, 0, 0, 10, 10)] },
    ];
    expect(precisionRecall(images)).toEqual({ truePositives: 0, falsePositives: 2, labels: 1, precision: 0, recall: 0 });
  });

  it('scores a labelled class without predictions 0, and leaves classes without labels out of the mean', () => {
    const images = [
      {
        labels: [label(0, 0, 0, 10, 10), label(1, 20, 20, 40, 40)],
        // Class 0 found, class 1 missed, class 5 has no labelled object anywhere.
        detections: [detection(0, 0.9, 0, 0, 10, 10), detection(5, 0.9, 50, 50, 60, 60)],
      },
    ];
    const result = evaluateDetections(images);
    expect(result.classes.map((c) => [c.classIndex, c.detections, c.ap50, c.apMean])).toEqual([
      [0, 1, 1, 1],
      [1, 0, 0, 0],
    ]);
    expect(result.map50).toBe(0.5);
    expect(result.map).toBe(0.5);
  });

  it('ranks across images: a confident false positive in one image costs precision in the whole class', () => {
    const images = [
      { labels: [label(0, 0, 0, 10, 10)], detections: [detection(0, 0.6, 0, 0, 10, 10)] },
      { labels: [], detections: [detection(0, 0.9, 0, 0, 10, 10)] },
    ];
    // Ranked: FP (precision 0), then TP (recall 1, precision 1/2): the envelope reads 1/2 at every recall point.
    expect(evaluateDetections(images).map50).toBeCloseTo(0.5, 12);
  });
});
