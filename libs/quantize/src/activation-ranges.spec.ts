import { ActivationRangeCollector } from './activation-ranges';

/** 0, 1/n, ..., (n-1)/n scaled to [low, high). */
const evenly = (n: number, low: number, high: number) => Float32Array.from({ length: n }, (_, i) => low + ((high - low) * i) / n);

describe('ActivationRangeCollector', () => {
  it('at the 100th percentile gives the values seen, widened to hold 0', () => {
    const collector = new ActivationRangeCollector();
    collector.add('t', Float32Array.of(0.5, 2, 3));
    expect(collector.range('t', 100)).toEqual({ min: 0, max: 3 });
    collector.add('t', Float32Array.of(-0.25));
    expect(collector.range('t', 100)).toEqual({ min: -0.25, max: 3 });
  });

  it('clips (100 - p) / 2 per cent of all values on each side', () => {
    const collector = new ActivationRangeCollector();
    collector.add('t', evenly(100_000, -1, 1));
    collector.add('t', Float32Array.of(50, 60, -70)); // rare outliers
    const { min, max } = collector.range('t', 99.99); // 5 values outside on each side
    expect(max).toBeGreaterThan(0.99);
    expect(max).toBeLessThan(1.05);
    expect(min).toBeLessThan(-0.99);
    expect(min).toBeGreaterThan(-1.05);
    expect(collector.range('t', 100)).toEqual({ min: -70, max: 60 });
  });

  it('keeps counts exact when a later batch widens the histogram', () => {
    const narrowFirst = new ActivationRangeCollector();
    narrowFirst.add('t', evenly(10_000, 0, 1));
    narrowFirst.add('t', evenly(10_000, 0, 16));
    const wideFirst = new ActivationRangeCollector();
    wideFirst.add('t', evenly(10_000, 0, 16));
    wideFirst.add('t', evenly(10_000, 0, 1));
    // The 90% point of the combined values: 0 ≤ v < 1 holds 10,000 + 625 values, so it lies near 12.8.
    for (const collector of [narrowFirst, wideFirst]) expect(collector.range('t', 80).max).toBeCloseTo(12.8, 1);
  });

  it('handles all-zero tensors and rejects non-finite values', () => {
    const collector = new ActivationRangeCollector();
    collector.add('zeros', new Float32Array(10));
    expect(collector.range('zeros')).toEqual({ min: 0, max: 0 });
    expect(() => collector.add('bad', Float32Array.of(1, Infinity))).toThrow(/infinit/);
    expect(() => collector.range('never-seen')).toThrow(/no calibration values/);
    expect(() => collector.range('zeros', 0)).toThrow(RangeError);
  });
});
