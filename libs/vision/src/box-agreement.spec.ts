import { boxAgreement, detectionIou, matchDetections } from './box-agreement';
import { Detection } from './scale-boxes';

const detection = (x_min: number, y_min: number, x_max: number, y_max: number, class_name = 'person', confidence = 0.9): Detection => ({
  x_min,
  y_min,
  x_max,
  y_max,
  class_name,
  confidence,
});

describe('detectionIou', () => {
  it("is the overlap of two detections' boxes over their union, 0 when they only touch", () => {
    expect(detectionIou(detection(0, 0, 10, 10), detection(0, 0, 10, 20))).toBe(0.5);
    expect(detectionIou(detection(0, 0, 10, 10), detection(5, 0, 15, 10))).toBeCloseTo(1 / 3);
    expect(detectionIou(detection(0, 0, 10, 10), detection(10, 0, 20, 10))).toBe(0);
  });
});

describe('matchDetections', () => {
  it('matches boxes of the same class at IoU ≥ 0.5, the threshold itself included', () => {
    const a = [detection(0, 0, 10, 10)];
    // IoU exactly 0.5: overlap 10x10 = 100, union 100 + 200 - 100 = 200.
    expect(matchDetections(a, [detection(0, 0, 10, 20)])).toEqual([{ a: 0, b: 0, iou: 0.5 }]);
    // IoU 1/3: no match.
    expect(matchDetections(a, [detection(5, 0, 15, 10)])).toEqual([]);
  });

  it('matches identical boxes even when clipping at the image border left them without area', () => {
    const line = detection(0, 641, 0, 708, 'dog');
    expect(matchDetections([line], [{ ...line }])).toEqual([{ a: 0, b: 0, iou: 1 }]);
    expect(matchDetections([line], [detection(0, 641, 0, 709, 'dog')])).toEqual([]);
  });

  it('never matches boxes of different classes, however well they overlap', () => {
    expect(matchDetections([detection(0, 0, 10, 10, 'bus')], [detection(0, 0, 10, 10, 'truck')])).toEqual([]);
  });

  it('matches one-to-one: a box claimed by a more confident pair is not matched twice', () => {
    const a = [detection(0, 0, 10, 10, 'person', 0.5), detection(1, 0, 11, 10, 'person', 0.9)];
    const b = [detection(0, 0, 10, 10, 'person', 0.8)];
    // Pair (a0, b0) overlaps perfectly but its weaker confidence is 0.5; (a1, b0) has 0.8 and wins.
    const matches = matchDetections(a, b);
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ a: 1, b: 0 });
    expect(matches[0].iou).toBeCloseTo(90 / 110, 10);
  });

  it('prefers the better overlap between pairs of equal confidence', () => {
    const a = [detection(0, 0, 10, 10)];
    const b = [detection(2, 0, 12, 10), detection(1, 0, 11, 10)];
    expect(matchDetections(a, b).map(({ a: i, b: j }) => [i, j])).toEqual([[0, 1]]);
  });

  it('gives the same matches for two outputs filtered at a confidence as filtering the matches of the full outputs', () => {
    // Random clusters of overlapping boxes (a small LCG keeps the case reproducible).
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const classes = ['person', 'car'];
    const randomBoxes = (count: number) =>
      Array.from({ length: count }, () => {
        const x = Math.floor(random() * 40);
        const y = Math.floor(random() * 40);
        const size = 20 + Math.floor(random() * 10);
        return detection(x, y, x + size, y + size, classes[Math.floor(random() * 2)], Math.round(random() * 1000) / 1000);
      });
    let comparedMatches = 0;
    for (let trial = 0; trial < 40; trial++) {
      const a = randomBoxes(12);
      const b = randomBoxes(12);
      const full = matchDetections(a, b);
      for (const threshold of [0.1, 0.3, 0.5, 0.7]) {
        const keptA = a.map((box, index) => ({ box, index })).filter(({ box }) => box.confidence >= threshold);
        const keptB = b.map((box, index) => ({ box, index })).filter(({ box }) => box.confidence >= threshold);
        const refiltered = matchDetections(
          keptA.map(({ box }) => box),
          keptB.map(({ box }) => box),
        ).map(({ a: i, b: j }) => [keptA[i].index, keptB[j].index]);
        const restricted = full.filter(({ a: i, b: j }) => a[i].confidence >= threshold && b[j].confidence >= threshold).map(({ a: i, b: j }) => [i, j]);
        expect(refiltered).toEqual(restricted);
        comparedMatches += restricted.length;
      }
    }
    expect(comparedMatches).toBeGreaterThan(100); // the clusters really overlap: the property was exercised
  });
});

describe('boxAgreement', () => {
  it('reports shares of each side, F1 and mean IoU', () => {
    const a = [detection(0, 0, 10, 10), detection(100, 100, 110, 110, 'dog'), detection(200, 200, 210, 210, 'car')];
    const b = [detection(0, 0, 10, 20), detection(100, 100, 110, 110, 'dog')];
    const agreement = boxAgreement(a, b);
    expect(agreement).toMatchObject({ boxesA: 3, boxesB: 2, matchedShareOfA: 2 / 3, matchedShareOfB: 1, f1: 0.8 });
    expect(agreement.matches).toHaveLength(2);
    expect(agreement.meanIou).toBeCloseTo(0.75, 10);
  });

  it('uses null for ratios without a denominator rather than inventing a value', () => {
    expect(boxAgreement([], [])).toEqual({ boxesA: 0, boxesB: 0, matches: [], matchedShareOfA: null, matchedShareOfB: null, f1: null, meanIou: null });
    expect(boxAgreement([detection(0, 0, 10, 10)], [])).toMatchObject({ matchedShareOfA: 0, matchedShareOfB: null, f1: 0, meanIou: null });
  });

  it('honours a stricter IoU threshold', () => {
    const a = [detection(0, 0, 10, 10)];
    const b = [detection(0, 0, 10, 12)]; // IoU 100/120
    expect(boxAgreement(a, b, 0.5).matches).toHaveLength(1);
    expect(boxAgreement(a, b, 0.9).matches).toHaveLength(0);
  });
});
