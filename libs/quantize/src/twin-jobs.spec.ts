import { describeTwinEvent, int8FileFor, twinJobs } from './twin-jobs';

describe('twinJobs', () => {
  it('makes a job per float model whose twin file is not there yet, beside its file', () => {
    const existing = new Set(['/models/yolov5m-int8.onnx']);
    const jobs = twinJobs(
      [
        { name: 'yolov5s', file: '/models/yolov5s.onnx' },
        { name: 'yolov5m', file: '/models/yolov5m.onnx' },
        { name: 'cars', file: '/models/my-export.onnx' },
      ],
      (file) => existing.has(file),
    );
    expect(jobs).toEqual([
      { name: 'yolov5s', file: '/models/yolov5s.onnx', out: '/models/yolov5s-int8.onnx' },
      { name: 'cars', file: '/models/my-export.onnx', out: '/models/my-export-int8.onnx' },
    ]);
    expect(int8FileFor('/models/yolov5s.onnx')).toBe('/models/yolov5s-int8.onnx');
  });
});

describe('describeTwinEvent', () => {
  const job = { name: 'yolov5s', file: '/models/yolov5s.onnx', out: '/models/yolov5s-int8.onnx' };

  it('tells the start, every 8th calibrated photo and the last, the check, the result and a failure, without server paths', () => {
    expect(describeTwinEvent({ type: 'start', job, index: 0, total: 3, photos: 32 })).toBe('INT8 twin 1/3: making yolov5s-int8.onnx from yolov5s, calibrating on 32 photos');
    expect(describeTwinEvent({ type: 'calibrating', job, done: 7, total: 20 })).toBeNull();
    expect(describeTwinEvent({ type: 'calibrating', job, done: 8, total: 20 })).toBe('INT8 twin yolov5s-int8.onnx: calibrated 8/20 photos');
    expect(describeTwinEvent({ type: 'calibrating', job, done: 20, total: 20 })).toBe('INT8 twin yolov5s-int8.onnx: calibrated 20/20 photos');
    expect(describeTwinEvent({ type: 'check', job, photos: 0 })).toBeNull();
    expect(describeTwinEvent({ type: 'check', job, photos: 16 })).toBe('INT8 twin yolov5s-int8.onnx: measuring its agreement with yolov5s on 16 photos');
    expect(describeTwinEvent({ type: 'written', job, bytes: 7_400_000, seconds: 41.2, agreement: null })).toBe('INT8 twin yolov5s-int8.onnx written (7.4 MB in 41 s)');
    expect(describeTwinEvent({ type: 'failed', job, error: 'found nothing to quantize' })).toBe('INT8 twin yolov5s-int8.onnx not made: found nothing to quantize');
  });
});
