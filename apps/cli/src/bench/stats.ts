/** Order statistics of a sample of durations (milliseconds) or rates. */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

/** The q-quantile (0..1) of ascending values, interpolated linearly between ranks (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Collects samples under string keys, in the order the keys first appear. */
export class SampleSet {
  private readonly samples = new Map<string, number[]>();

  add(key: string, value: number) {
    const list = this.samples.get(key);
    if (list) list.push(value);
    else this.samples.set(key, [value]);
  }

  get(key: string): readonly number[] {
    return this.samples.get(key) ?? [];
  }

  summary(key: string): Summary {
    return summarize(this.get(key));
  }
}
