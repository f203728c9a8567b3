import { Writable } from 'node:stream';
import { createDownloadProgress, formatBytes } from './download-progress';

const MIB = 1024 * 1024;

/** A stream that records what is written, posing as a terminal or as a log file. */
function captureStream(isTTY: boolean) {
  const captured = { text: '' };
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        captured.text += chunk.toString();
        done();
      },
    }),
    { isTTY, columns: 120 },
  );
  return { stream, captured };
}

describe('formatBytes', () => {
  it.each([
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [28.5 * MIB, '28.5 MiB'],
  ])('%d → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('createDownloadProgress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('off a terminal prints a plain line now and then, without escape codes or a bar', () => {
    const { stream, captured } = captureStream(false);
    const progress = createDownloadProgress('yolov5s.onnx', { stream, logIntervalMs: 1000 });

    progress.update(0, 4 * MIB);
    for (let second = 1; second <= 3; second++) {
      jest.advanceTimersByTime(1000);
      progress.update(second * MIB, 4 * MIB);
    }
    progress.update(4 * MIB, 4 * MIB);
    progress.stop();

    const lines = captured.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(captured.text).not.toMatch(/[\x1b\r]/);
    // The first line, one per interval, and the final line; not one per update.
    expect(lines).toHaveLength(5);
    expect(lines.every((line) => line.startsWith('yolov5s.onnx ') && !line.includes('['))).toBe(true);
    expect(lines[0]).toContain('0% | 0 B/4.0 MiB');
    // Speed is the average when the line is printed: 1 MiB after 2 s.
    expect(lines[2]).toMatch(/^yolov5s\.onnx 25% \| 1\.0 MiB\/4\.0 MiB \| 512\.0 KiB\/s \| ETA \d+s$/);
    expect(lines[4]).toMatch(/^yolov5s\.onnx 100% \| 4\.0 MiB\/4\.0 MiB \| 1\.3 MiB\/s \| ETA 0s$/);
  });

  it('on a terminal redraws a bar in place', () => {
    const { stream, captured } = captureStream(true);
    const progress = createDownloadProgress('yolov5m.onnx', { stream });

    progress.update(MIB, 2 * MIB);
    jest.advanceTimersByTime(1000);
    progress.update(2 * MIB, 2 * MIB);
    progress.stop();

    expect(captured.text).toMatch(/\x1b\[/);
    expect(captured.text).toMatch(/yolov5m\.onnx \[[█░]+\] 50% \| 1\.0 MiB\/2\.0 MiB/);
    expect(captured.text).toMatch(/yolov5m\.onnx \[█+\] 100% \| 2\.0 MiB\/2\.0 MiB/);
  });

  it('shows bytes and speed only when the server announced no size', () => {
    const { stream, captured } = captureStream(false);
    const progress = createDownloadProgress('yolov5l.onnx', { stream });

    progress.update(MIB, undefined);
    jest.advanceTimersByTime(2000);
    progress.update(3 * MIB, undefined);
    progress.stop();

    expect(captured.text.trim().split('\n').at(-1)).toBe('yolov5l.onnx 3.0 MiB | 1.5 MiB/s');
  });

  it('prints nothing when no byte ever arrived', () => {
    const { stream, captured } = captureStream(false);
    createDownloadProgress('yolov5s.onnx', { stream }).stop();
    expect(captured.text).toBe('');
  });
});
