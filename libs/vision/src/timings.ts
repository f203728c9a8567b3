import type { StageTimings } from './detection';

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** `Server-Timing` header value for the stages of one detection (durations in ms). */
export function serverTimingHeader(timings: StageTimings): string {
  return (Object.entries(timings) as [keyof StageTimings, number][]).map(([stage, ms]) => `${stage};dur=${round(ms, 1)}`).join(', ');
}

/** The answer's presentation of a detection's timings: the seed's `time` (inference, seconds) and the stages in ms. */
export function presentTimings(timings: StageTimings): { time: number; timings: StageTimings } {
  const stages = Object.fromEntries(Object.entries(timings).map(([stage, ms]) => [stage, round(ms, 2)])) as unknown as StageTimings;
  return { time: round(timings.inference / 1000, 4), timings: stages };
}
