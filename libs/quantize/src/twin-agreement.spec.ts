import { boxAgreement, Detection } from '@app/vision';
import { formatTwinAgreement, pooledTwinAgreement, splitPhotos } from './twin-agreement';

const box = (x: number): Detection => ({ x_min: x, y_min: 0, x_max: x + 10, y_max: 10, confidence: 0.9, class_name: 'person' });
const SETTINGS = { heldOut: true, confidenceThreshold: 0.25, iouThreshold: 0.5 };

describe('splitPhotos', () => {
  const photos = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg'];

  it('checks on the photos after the calibration ones', () => {
    expect(splitPhotos(photos, 2, 2)).toEqual({ calibration: ['a.jpg', 'b.jpg'], check: ['c.jpg', 'd.jpg'], heldOut: true });
    expect(splitPhotos(photos, 4, 3)).toEqual({ calibration: ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'], check: ['e.jpg'], heldOut: true });
  });

  it('checks on calibration photos, and says so, when the folder has no others', () => {
    expect(splitPhotos(photos, 5, 2)).toEqual({ calibration: photos, check: ['a.jpg', 'b.jpg'], heldOut: false });
  });

  it('checks nothing when asked for no check', () => {
    expect(splitPhotos(photos, 5, 0)).toEqual({ calibration: photos, check: [], heldOut: true });
  });
});

describe('pooledTwinAgreement', () => {
  it('sums boxes and matches over the photos rather than averaging per-photo figures', () => {
    const photo1 = boxAgreement([box(0), box(100)], [box(1), box(100)]); // 2 of 2 match
    const photo2 = boxAgreement([box(0), box(50), box(100), box(200)], [box(300)]); // none match
    const pooled = pooledTwinAgreement([photo1, photo2], SETTINGS);
    expect(pooled).toMatchObject({ photos: 2, boxesFloat: 6, boxesInt8: 3, matched: 2, heldOut: true, confidenceThreshold: 0.25, iouThreshold: 0.5 });
    expect(pooled.f1).toBeCloseTo(4 / 9, 3);
    expect(pooled.meanIou).toBeCloseTo((9 / 11 + 1) / 2, 3);
  });

  it('has no F1 when neither model found anything, and no IoU without matches', () => {
    expect(pooledTwinAgreement([boxAgreement([], [])], SETTINGS)).toMatchObject({ f1: null, meanIou: null, matched: 0 });
  });
});

describe('formatTwinAgreement', () => {
  it('says the figures, the counts and which photos', () => {
    const agreement = pooledTwinAgreement([boxAgreement([box(0), box(100)], [box(1)])], { ...SETTINGS, heldOut: false });
    expect(formatTwinAgreement(agreement)).toBe('F1 0.667, mean IoU 0.818 (2 float boxes, 1 INT8, 1 matched) on 1 calibration photos');
  });
});
