import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pageFramesInFlight, renderStreamMarkdown, StreamRow } from './stream';

describe('the stream bench sends frames as the page does', () => {
  it("reads the page's MAX_IN_FLIGHT from live.js", () => {
    const live = readFileSync(resolve(__dirname, '../../../detector/src/web/public/live.js'), 'utf8');
    const declared = Number(/const MAX_IN_FLIGHT = (\d+);/.exec(live)![1]);
    expect(pageFramesInFlight(live)).toBe(declared);
    expect(pageFramesInFlight('const MAX_IN_FLIGHT = 3;')).toBe(3);
  });

  it('refuses a page script that no longer declares it', () => {
    expect(() => pageFramesInFlight('const FRAMES = 2;')).toThrow(/MAX_IN_FLIGHT/);
  });
});

describe('renderStreamMarkdown', () => {
  const row = (inFlight: number, fpsPerStream: number, latencyP50: number): StreamRow => ({
    model: 'yolov5n',
    size: 320,
    streams: 1,
    inFlight,
    input: '256x320',
    bareMs: 10,
    inferenceMs: 10,
    fpsPerStream,
    latencyP50,
    latencyP95: latencyP50 * 1.5,
    frames: 100,
  });

  it('checks the frame rate on the pipelined row and the latency on the lockstep row', () => {
    const markdown = renderStreamMarkdown([row(1, 60, 24), row(2, 85, 30)], { rounds: 2, seconds: 5, load: [1, 1, 1] });
    const [lockstep, pipelined] = markdown.split('\n').filter((line) => line.startsWith('| yolov5n'));
    expect(lockstep).toContain('p50 ≤ 1.5 × inference + 10 (25 ms): met');
    expect(lockstep).not.toContain('fps ≥');
    expect(pipelined).toContain('fps ≥ 0.8 × 1000/inference (80.0): met');
    expect(pipelined).toContain('| 0.85 |');
    expect(pipelined).toContain('≥ 30 fps: met');
  });
});
