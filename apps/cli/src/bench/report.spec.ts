import { BenchResults, checkSameRun, ModelResult, renderMarkdown, renderTuneMarkdown, TuneResults } from './report';
import { Summary } from './stats';

const summary = (median: number, p95 = median * 1.5): Summary => ({ n: 10, median, p95, p99: p95 * 1.2, min: median / 2, max: p95 * 2 });
const comparison = { maxLevels: 3, meanLevels: 0.25, relativeOutputChange: 0.012 };
const stages = { decode: 4, preprocess: 2.5, inference: 80, postprocess: 0.5 };

const yolov5s: ModelResult = {
  model: 'yolov5s',
  weights: 'random',
  served: 'static',
  parameters: 7_200_000,
  bare: {
    '640x640': { ...summary(80), gflops: 16.5, gflopsPerSecond: 206, cpuMs: 150, file: 'static' },
    '640x448': { ...summary(60), gflops: 11.5, gflopsPerSecond: 192, cpuMs: 110, file: 'dynamic' },
  },
  pipeline: {
    dynamic: [{ photo: 'bus.jpg', input: '640x480', decoder: 'sharp', total: summary(90), vsBare: summary(1.1), stages }],
    static: [{ photo: 'bus.jpg', input: '640x640', decoder: 'sharp', total: summary(95), vsBare: summary(1.05), stages }],
  },
  parity: [{ photo: 'bus.jpg', decoder: 'sharp', input: '640x480', vsExact: comparison, vsJimp: comparison, jimpVsExact: comparison }],
  http: [
    { photo: 'bus.jpg', encoding: 'json', export: 'static', shapePolicy: 'rectangular (static-export-rewritten)', input: '640x480', latency: summary(100), vsBare: summary(1.2), serverStages: { decode: 4, inference: 81 } },
    { photo: 'bus.jpg', encoding: 'json', export: 'dynamic', shapePolicy: 'rectangular (dynamic-export)', input: '640x480', latency: summary(101), vsBare: summary(1.2), serverStages: {} },
    { photo: 'phone_size_4032x2688.jpg', encoding: 'json', export: 'dynamic', shapePolicy: 'rectangular (dynamic-export)', input: '640x448', latency: summary(160), vsBare: summary(2), serverStages: {} },
  ],
  load: [{ encoding: 'json', photo: 'bus.jpg', clients: 4, requestsPerSecond: 12.345, completed: 99, cpuMsPerRequest: 234, bareCpuMsPerRun: 152, cpuVsBare: 1.56, cpuVsBareBySegment: [1.5, 1.62], cpuMsPerRequestByThread: { 'HTTP thread': 20, 'runners and ONNX Runtime': 180, 'image decoding': 24, 'garbage collection': 10 }, latency: summary(300), health: { ...summary(2, 6), failed: 0 } }],
  aloneMemory: { rssReadyMB: 250, rssWarmMB: 280, peakRssMB: 300, warmRequests: 5 },
};

const results: BenchResults = {
  date: '2026-12-07',
  machine: { cpuModel: 'Test CPU', cores: 2, memoryGB: 8, loadAverage: { start: [1, 2, 3], end: [0.5, 0.25, 0] }, node: '24.0.0', onnxruntime: '1.30.0', sharp: '0.35.5' },
  settings: { rounds: 10, loadSeconds: 8, workerThreads: 1, intraOpThreads: 2, healthIntervalMs: 25, idleGapMs: 30 },
  service: { readyMs: 2500, rssAfterReadyMB: 300, rssAfterLoadMB: 420.4, peakRssMB: 500, models: 'yolov5s, each served from its static 640x640 export rewritten at load' },
  otherServices: [],
  headOfLine: { burstModel: 'yolov5l', probeModel: 'yolov5s', burstClients: 8, alone: summary(100), duringBurst: summary(120, 200), burstLatency: summary(900) },
  models: [yolov5s],
  durationS: 321.4,
};

describe('bench report', () => {
  const checks = checkSameRun(results);
  const markdown = renderMarkdown(results, checks);
  const lines = markdown.split('\n');

  it('checks every HTTP case against its bare run, and /health and CPU per request under load', () => {
    expect(checks.map(({ case: kase, met }) => [kase, met])).toEqual([
      ['bus.jpg json @640x480', true],
      ['bus.jpg json @640x480 (dynamic export)', true],
      ['phone_size_4032x2688.jpg json @640x448 (dynamic export)', false],
      ['json', true],
      ['json', false],
    ]);
  });

  it("holds yolov5n's end-to-end ratio to 1.6 × bare and the other sizes' to 1.25 ×", () => {
    const at = (model: 'yolov5n' | 'yolov5s', ratio: number) =>
      checkSameRun({ ...results, models: [{ ...yolov5s, model, http: [{ ...yolov5s.http[0], vsBare: summary(ratio) }], load: [] }] })[0];
    expect([at('yolov5n', 1.5).met, at('yolov5n', 1.7).met, at('yolov5s', 1.3).met]).toEqual([true, false, false]);
    expect(at('yolov5n', 1.5)).toMatchObject({ check: 'e2e ≤ 1.6 × bare at the same shape (median of paired ratios)', limit: 1.6 });
  });

  it('renders the sections in order, one table each', () => {
    expect(lines.filter((line) => line.startsWith('#'))).toEqual([
      '## Benchmark 2026-12-07',
      '### Bare `InferenceSession.run` on a ready tensor (ms)',
      '### In-process pipeline (ms, p50 of each stage; total p50 / p95)',
      '### Decoding parity (dynamic models)',
      '### End-to-end POST /predict, sequential (ms)',
      '### 4 concurrent clients (bus.jpg), GET /health polled meanwhile (first half)',
      '#### CPU ms per request by thread (the same 4-client loads)',
      '### Checks within this run',
    ]);
    expect(markdown.endsWith('3 of 5 checks met.\n')).toBe(true);
  });

  it('writes the run facts: machine, the export each model was served from, service and head-of-line', () => {
    expect(markdown).toContain('Machine: 2 cores, Test CPU, 8 GB; load average 1.00 2.00 3.00 at the start, 0.50 0.25 0.00 at the end (shared machine).');
    expect(markdown).toContain('yolov5s with the real architectures and random weights');
    expect(markdown).toContain('Whole run 321 s.');
    expect(markdown).toContain("Served from the static 640x640 export (the kind a default install serves), rewritten at load to AutoShape's rectangles: yolov5s.");
    expect(markdown).not.toContain('Served from the dynamic export');
    expect(markdown).toContain('Service: ready 2.5 s after start (yolov5s, each served from its static 640x640 export rewritten at load), RSS of the whole process 300 MB when ready, 420 MB after the 4-client bursts, peak 500 MB over the run.');
    expect(markdown).toContain('Head-of-line (each model served from its static 640x640 export rewritten at load): sequential yolov5s requests');
    expect(markdown).toContain('took 100 ms (median) alone and 120 ms (p95 200) while 8 clients kept yolov5l\'s queue full; the yolov5l requests themselves took 900 ms');
  });

  it('writes one row per case in each table', () => {
    expect(lines).toEqual(
      expect.arrayContaining([
        '| yolov5s (random) | static | 640x640 | 80.0 | 120 | 150 | 16.5 | 206 | 80 |',
        '| yolov5s (random) | dynamic | 640x448 | 60.0 | 90.0 | 110 | 11.5 | 192 |  |',
        '| yolov5s (random) | bus.jpg | 640x480 | sharp | 4.0 | 2.5 | 80.0 | 0.5 | 90.0 | 135 | 1.10× |',
        '| yolov5s (random) | bus.jpg | 640x640 | sharp | 4.0 | 2.5 | 80.0 | 0.5 | 95.0 | 143 | 1.05× |',
        '| yolov5s (random) | bus.jpg | sharp | 3 / 0.25 | 1.2% | 3 / 0.25 | 1.2% | 1.2% |',
        '| yolov5s (random) | static | rectangular (static-export-rewritten) | bus.jpg | json | 640x480 | 100 | 150 | 1.20× | 104 | 4.0 | 81.0 |',
        '| yolov5s (random) | dynamic | rectangular (dynamic-export) | bus.jpg | json | 640x480 | 101 | 152 | 1.20× |  | – | – |',
        '| yolov5s (random) | dynamic | rectangular (dynamic-export) | phone_size_4032x2688.jpg | json | 640x448 | 160 | 240 | 2.00× |  | – | – |',
        '| yolov5s (random) | static | json | 12.35 | 11.9 | 300 | 450 | 234 | 1.56× (1.50×, 1.62×) | 2.0 | 6.0 | 7.2 | 12.0 |',
        // The thread that is absent from a run reads 0; the bare run's CPU is the back-to-back runs'.
        '| yolov5s (random) | json | 20.0 | 180 | 24.0 | 10.0 | 0.0 | 234 | 152 |',
        '| 10.8 MP photo: e2e ≤ 1.5 × bare (median of paired ratios) | yolov5s (random) | phone_size_4032x2688.jpg json @640x448 (dynamic export) | 2.00× | 1.50× | **no** (33% over) |',
        "| CPU ms per request under 4-client load ≤ 1.3 × the bare run's CPU ms | yolov5s (random) | json | 1.56× | 1.30× | **no** (20% over) |",
      ]),
    );
  });

  it('renders the tuning tables', () => {
    const tune: TuneResults = {
      date: '2026-12-07',
      machine: results.machine,
      sessionOptions: [{ model: 'yolov5s', variant: 'chosen', run: summary(80), relative: 1 }],
      layouts: [{ layout: '1×2', model: 'yolov5s', sequential: summary(100), requestsPerSecond: summary(12), loadLatency: summary(300), health: summary(2, 6) }],
    };
    const tuneLines = renderTuneMarkdown(tune).split('\n');
    expect(tuneLines).toEqual(expect.arrayContaining(['## Tuning 2026-12-07', '| yolov5s | chosen | 80.0 | 120 | 1.00× |', '| 1×2 | yolov5s | 100 | 150 | 12.00 | 300 | 6.0 | 7.2 | 12.0 |']));
  });
});
