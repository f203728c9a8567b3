import { servedExport } from './bench-lineup';
import { BenchModelName } from './bench-models';
import { BenchResults, checkSameRun, familyComparison, ModelResult, renderMarkdown } from './report';
import { Summary } from './stats';

const summary = (median: number): Summary => ({ n: 10, median, p95: median * 1.5, p99: median * 2, min: median / 2, max: median * 3 });
const comparison = { maxLevels: 3, meanLevels: 0.25, relativeOutputChange: 0.012 };
const stages = { decode: 4, preprocess: 2.5, inference: 80, postprocess: 0.5 };

/** A model's result whose side-by-side figures are the given ones; the other cases carry other values. */
function result(model: BenchModelName, weights: 'trained' | 'random', f: { parameters: number; gflops: number; bare: number; e2e: number; rps: number; cpu: number; rss: number }): ModelResult {
  const served = servedExport(model);
  const other = served === 'static' ? 'dynamic' : 'static';
  return {
    model,
    weights,
    served,
    parameters: f.parameters,
    bare: {
      '640x640': { ...summary(f.bare * 1.3), gflops: f.gflops * 1.3, gflopsPerSecond: 1, cpuMs: 1, file: 'static' },
      '480x640': { ...summary(f.bare), gflops: f.gflops, gflopsPerSecond: 1, cpuMs: 1, file: 'dynamic' },
    },
    pipeline: { dynamic: [{ photo: 'bus.jpg', input: '480x640', decoder: 'sharp', total: summary(1), vsBare: summary(1), stages }], static: [] },
    parity: [{ photo: 'bus.jpg', decoder: 'sharp', input: '480x640', vsExact: comparison, vsJimp: comparison, jimpVsExact: comparison }],
    http: [
      { photo: 'bus.jpg', encoding: 'multipart', export: served, shapePolicy: 'rectangular', input: '480x640', latency: summary(999), vsBare: summary(1), serverStages: {} },
      { photo: 'bus.jpg', encoding: 'json', export: other, shapePolicy: 'rectangular', input: '480x640', latency: summary(998), vsBare: summary(1), serverStages: {} },
      { photo: 'zidane.jpg', encoding: 'json', export: served, shapePolicy: 'rectangular', input: '640x384', latency: summary(997), vsBare: summary(1), serverStages: {} },
      { photo: 'bus.jpg', encoding: 'json', export: served, shapePolicy: 'rectangular', input: '480x640', latency: summary(f.e2e), vsBare: summary(1.1), serverStages: {} },
    ],
    load: [
      { encoding: 'multipart', photo: 'bus.jpg', clients: 4, requestsPerSecond: 0.5, completed: 9, latency: summary(1), health: { ...summary(1), failed: 0 }, cpuMsPerRequest: 999, bareCpuMsPerRun: 111, cpuVsBare: 9, cpuVsBareBySegment: [9], cpuMsPerRequestByThread: {} },
      { encoding: 'json', photo: 'bus.jpg', clients: 4, requestsPerSecond: f.rps, completed: 99, latency: summary(1), health: { ...summary(1), failed: 0 }, cpuMsPerRequest: f.cpu, bareCpuMsPerRun: f.cpu / 1.5, cpuVsBare: 1.5, cpuVsBareBySegment: [1.5], cpuMsPerRequestByThread: {} },
    ],
    aloneMemory: { rssReadyMB: 1, rssWarmMB: f.rss, peakRssMB: 2 * f.rss, warmRequests: 5 },
  };
}

const yolov5n = result('yolov5n', 'trained', { parameters: 1_900_000, gflops: 3.6, bare: 20, e2e: 30, rps: 40, cpu: 50, rss: 200 });
const yolov8n = result('yolov8n', 'random', { parameters: 3_160_000, gflops: 6.6, bare: 30, e2e: 45, rps: 20, cpu: 100, rss: 250 });
const yolov5s = result('yolov5s', 'random', { parameters: 7_200_000, gflops: 12, bare: 60, e2e: 70, rps: 14, cpu: 140, rss: 300 });

describe('the YOLOv5 / YOLOv8 side-by-side table', () => {
  it("puts both families of each size measured in both in consecutive rows, with the bus.jpg JSON figures of each one's served export and YOLOv8 over YOLOv5", () => {
    const [heading, , markdown, ...rest] = familyComparison([yolov5n, yolov5s, yolov8n]);
    expect(rest).toEqual([]);
    expect(heading).toBe('### YOLOv5 and YOLOv8 side by side (bus.jpg, JSON body, the exports a default install serves)');
    expect(markdown.split('\n')).toEqual([
      '| size | model | export | input | params (M) | GFLOPs | bare p50 (ms) | e2e p50 (ms) | 4 clients req/s | CPU ms / request | RSS alone (MB) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      '| n | yolov5n (trained) | static | 480x640 | 1.9 | 3.6 | 20.0 | 30.0 | 40.00 | 50.0 | 200 |',
      '| n | yolov8n (random) | dynamic | 480x640 | 3.2 | 6.6 | 30.0 | 45.0 | 20.00 | 100 | 250 |',
      '| n | _YOLOv8 / YOLOv5_ |  |  | 1.66× | 1.83× | 1.50× | 1.50× | 0.50× | 2.00× | 1.25× |',
    ]);
  });

  it('is left out of the report when no size was measured in both families, and leads it when one was', () => {
    expect(familyComparison([yolov5n, yolov5s])).toEqual([]);
    const results = (models: ModelResult[]): BenchResults => ({
      date: '2026-12-07',
      machine: { cpuModel: 'Test CPU', cores: 2, memoryGB: 8, loadAverage: { start: [1, 2, 3], end: [1, 2, 3] }, node: '24.0.0', onnxruntime: '1.30.0', sharp: '0.35.5' },
      settings: { rounds: 2, loadSeconds: 2, workerThreads: 1, intraOpThreads: 2, healthIntervalMs: 25, idleGapMs: 30 },
      service: { readyMs: 2500, rssAfterReadyMB: 300, rssAfterLoadMB: 400, peakRssMB: 500, models: 'yolov5n' },
      otherServices: [],
      models,
      durationS: 60,
    });
    const headings = (models: ModelResult[]) =>
      renderMarkdown(results(models), checkSameRun(results(models)))
        .split('\n')
        .filter((line) => line.startsWith('###'));
    expect(headings([yolov5n, yolov5s])).not.toContain('### YOLOv5 and YOLOv8 side by side (bus.jpg, JSON body, the exports a default install serves)');
    expect(headings([yolov5n, yolov8n])[0]).toBe('### YOLOv5 and YOLOv8 side by side (bus.jpg, JSON body, the exports a default install serves)');
    // The run facts say which export each model's figures come from.
    const facts = renderMarkdown(results([yolov5n, yolov5s, yolov8n]), []);
    expect(facts).toContain("Served from the static 640x640 export (the kind a default install serves), rewritten at load to AutoShape's rectangles: yolov5n, yolov5s.");
    expect(facts).toContain('Served from the dynamic export (the rewrite recognises YOLOv5 heads only: a static YOLOv8 would run at its 640x640 square, not at the same input): yolov8n.');
  });
});
