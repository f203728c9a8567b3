/**
 * Activation ranges from calibration data: per tensor, a histogram of the negative and of the positive values'
 * magnitudes, whose range doubles (merging bin pairs) when a larger value arrives, so one pass over the images
 * is enough and memory stays fixed whatever their number.
 */
export interface ValueRange {
  min: number;
  max: number;
}

/** 99.999: 99.9 and 99.99 clipped YOLOv5's activations enough to cost mAP; plain min/max wastes precision on outliers. */
export const DEFAULT_PERCENTILE = 99.999;
const BINS = 4096;

interface TensorHistogram {
  /** Upper edge of the last bin; 0 until a non-zero value arrives. */
  range: number;
  positive: Float64Array;
  negative: Float64Array;
  count: number;
  min: number;
  max: number;
}

export class ActivationRangeCollector {
  private readonly histograms = new Map<string, TensorHistogram>();

  add(tensor: string, values: ArrayLike<number>): void {
    const histogram = this.histograms.get(tensor) ?? this.create(tensor);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value < min) min = value;
      if (value > max) max = value;
    }
    if (!(min <= max)) {
      if (values.length > 0) throw new Error(`calibration values of ${tensor} are not finite numbers`);
      return;
    }
    if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`calibration values of ${tensor} include infinities`);
    histogram.min = Math.min(histogram.min, min);
    histogram.max = Math.max(histogram.max, max);
    histogram.count += values.length;
    const magnitude = Math.max(max, -min);
    if (histogram.range === 0) histogram.range = magnitude;
    while (magnitude > histogram.range) doubleRange(histogram);

    const { positive, negative } = histogram;
    const perBin = histogram.range > 0 ? BINS / histogram.range : 0;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value >= 0) positive[Math.min(BINS - 1, (value * perBin) | 0)]++;
      else negative[Math.min(BINS - 1, (-value * perBin) | 0)]++;
    }
  }

  tensors(): string[] {
    return [...this.histograms.keys()];
  }

  /**
   * The range that leaves (100 - percentile) / 2 per cent of all values outside on each side, never wider than
   * the values seen, and always holding 0 (so zero padding and ReLU-like zeros stay exact in uint8).
   */
  range(tensor: string, percentile = DEFAULT_PERCENTILE): ValueRange {
    const histogram = this.histograms.get(tensor);
    if (!histogram) throw new Error(`no calibration values for ${tensor}`);
    if (!(percentile > 0 && percentile <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${percentile}`);
    const outsideEachSide = (histogram.count * (100 - percentile)) / 200;
    const binWidth = histogram.range / BINS;
    const upper = Math.min(histogram.max, tailEdge(histogram.positive, outsideEachSide) * binWidth);
    const lower = Math.min(-histogram.min, tailEdge(histogram.negative, outsideEachSide) * binWidth);
    return { min: lower > 0 ? -lower : 0, max: Math.max(0, upper) };
  }

  private create(tensor: string): TensorHistogram {
    const histogram = { range: 0, positive: new Float64Array(BINS), negative: new Float64Array(BINS), count: 0, min: Infinity, max: -Infinity };
    this.histograms.set(tensor, histogram);
    return histogram;
  }
}

function doubleRange(histogram: TensorHistogram): void {
  for (const bins of [histogram.positive, histogram.negative]) {
    for (let i = 0; i < BINS / 2; i++) bins[i] = bins[2 * i] + bins[2 * i + 1];
    bins.fill(0, BINS / 2);
  }
  histogram.range *= 2;
}

/** Upper edge, in bins, of the highest bin such that at most `outside` values lie in the bins above it. */
function tailEdge(bins: Float64Array, outside: number): number {
  let above = 0;
  for (let bin = bins.length - 1; bin >= 0; bin--) {
    if (above + bins[bin] > outside) return bin + 1;
    above += bins[bin];
  }
  return 0;
}
