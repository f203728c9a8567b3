import { presentTimings, serverTimingHeader } from './timings';

const timings = { decode: 10.123, preprocess: 2.345, inference: 55.5555, postprocess: 0.9876 };

describe('presentTimings', () => {
  it("gives the seed's `time` (inference, seconds, 4 decimals) and the stages in ms to 2 decimals", () => {
    const presented = presentTimings(timings);
    expect(presented.time).toBe(0.0556);
    expect(presented.timings).toEqual({ decode: 10.12, preprocess: 2.35, inference: 55.56, postprocess: 0.99 });
  });
});

describe('serverTimingHeader', () => {
  it('lists every stage with its duration in ms to 1 decimal', () => {
    expect(serverTimingHeader(timings)).toBe('decode;dur=10.1, preprocess;dur=2.3, inference;dur=55.6, postprocess;dur=1');
  });
});
