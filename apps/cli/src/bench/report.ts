import type { HeadOfLineResult } from './head-of-line';
import { ParityComparison, ParityRow } from './parity';
import { Summary } from './stats';
import { BARE_BURST, CPU_SEGMENTS, LARGE_PHOTO, OLD_APP_HISTORICAL, OLD_APP_MEASURED, REFERENCE_PHOTO, SAME_RUN_LIMITS } from './reference';
import type { AloneMemory } from './alone-memory';
import { THREAD_ROLES, ThreadRole } from './cpu-time';
import { BenchFamily, benchFamily, BenchModelName, benchSize, ModelExport } from './bench-models';

export type Encoding = 'json' | 'multipart';

export interface StageSummary {
  decode: number;
  preprocess: number;
  inference: number;
  postprocess: number;
}

export interface PipelineResult {
  photo: string;
  input: string;
  decoder: string;
  total: Summary;
  /** total / bare run at the same input shape, paired round by round. */
  vsBare: Summary;
  /** Medians of the stages. */
  stages: StageSummary;
}

export interface HttpResult {
  photo: string;
  encoding: Encoding;
  /** The file the service ran: the model's served export (ModelResult.served) or, in the comparison rows, the other one. */
  export: ModelExport;
  /** How the service ran it (GET /models/{name}), e.g. "rectangular (static-export-rewritten)": a static export rewritten at load runs at the rectangles. */
  shapePolicy: string;
  input: string;
  latency: Summary;
  /** latency / bare run at the same input shape, paired round by round. */
  vsBare: Summary;
  /** Medians of the service's Server-Timing stages. */
  serverStages: Partial<StageSummary>;
}

export interface LoadCaseResult {
  encoding: Encoding;
  photo: string;
  clients: number;
  requestsPerSecond: number;
  completed: number;
  /** The service process's CPU time (all its threads) over the load's unpolled half / its answers. */
  cpuMsPerRequest: number;
  /** The CPU ms per run of the bare runs made back to back right after each segment of that half, at the photo's input shape. */
  bareCpuMsPerRun: number;
  /** cpuMsPerRequest / bareCpuMsPerRun. */
  cpuVsBare: number;
  /** The same ratio segment by segment, each against the bare runs right after it. */
  cpuVsBareBySegment: number[];
  /** cpuMsPerRequest split by what the service's threads do (cpu-time.ts THREAD_ROLES). */
  cpuMsPerRequestByThread: Partial<Record<ThreadRole, number>>;
  latency: Summary;
  health: Summary & { failed: number };
}

export interface ModelResult {
  model: BenchModelName;
  /** Trained weights (real detections) or random ones (the real compute cost only). */
  weights: 'trained' | 'random';
  /**
   * The export its service served under its name, as a default install serves the family: the figures of the
   * side-by-side table, the load, the memory and head-of-line are this file's.
   */
  served: ModelExport;
  parameters: number;
  /** Bare runs by input shape ("640x640", "480x640" ...), each of the file that runs at that shape. */
  bare: Record<string, Summary & { gflops: number; gflopsPerSecond: number; cpuMs: number; file: ModelExport }>;
  pipeline: { dynamic: PipelineResult[]; static: PipelineResult[] };
  parity: ParityRow[];
  http: HttpResult[];
  load: LoadCaseResult[];
  /** A service serving this model alone (measured after the load, one model at a time). */
  aloneMemory: AloneMemory;
}

export interface BenchResults {
  date: string;
  machine: { cpuModel: string; cores: number; memoryGB: number; loadAverage: { start: number[]; end: number[] }; node: string; onnxruntime: string; sharp: string };
  settings: { rounds: number; loadSeconds: number; workerThreads: number; intraOpThreads: number; healthIntervalMs: number; idleGapMs: number };
  service: ServiceFacts;
  /** Further services: the trained models are served apart from the random-weight ones (bench-lineup.ts). */
  otherServices: ServiceFacts[];
  headOfLine?: HeadOfLineResult;
  models: ModelResult[];
  durationS: number;
}

export interface ServiceFacts {
  readyMs: number;
  rssAfterReadyMB: number;
  /** Whole-process RSS after the 4-client bursts. */
  rssAfterLoadMB: number;
  peakRssMB: number;
  models: string;
}

export interface SameRunCheck {
  check: string;
  model: BenchModelName;
  case: string;
  value: number;
  limit: number;
  /** value / limit for upper bounds, limit / value for lower bounds: at most 1 when met. */
  ratio: number;
  met: boolean;
  unit: string;
}

/**
 * Checks whose two sides were measured in this run (end to end against the bare run, paired round by round; /health
 * under load), on every request body. The old app's figures come from another run and are never divided into these.
 */
export function checkSameRun(results: BenchResults): SameRunCheck[] {
  const checks: SameRunCheck[] = [];
  const upper = (target: string, model: BenchModelName, kase: string, value: number, limit: number, unit: string) =>
    checks.push({ check: target, model, case: kase, value, limit, ratio: value / limit, met: value <= limit, unit });
  for (const model of results.models) {
    for (const http of model.http) {
      const label = `${http.photo} ${http.encoding} @${http.input}${http.export === model.served ? '' : ` (${http.export} export)`}`;
      if (http.photo === LARGE_PHOTO) {
        upper('10.8 MP photo: e2e ≤ 1.5 × bare (median of paired ratios)', model.model, label, http.vsBare.median, SAME_RUN_LIMITS.largePhotoVsBare, '×');
      } else {
        const limit = model.model === 'yolov5n' ? SAME_RUN_LIMITS.nanoEndToEndVsBare : SAME_RUN_LIMITS.endToEndVsBare;
        upper(`e2e ≤ ${limit} × bare at the same shape (median of paired ratios)`, model.model, label, http.vsBare.median, limit, '×');
      }
    }
    for (const load of model.load) {
      upper(`GET /health p99 < ${SAME_RUN_LIMITS.healthP99Ms} ms under 4-client load`, model.model, load.encoding, load.health.p99, SAME_RUN_LIMITS.healthP99Ms, 'ms');
      upper(`CPU ms per request under 4-client load ≤ ${SAME_RUN_LIMITS.cpuPerRequestVsBare} × the bare run's CPU ms`, model.model, load.encoding, load.cpuVsBare, SAME_RUN_LIMITS.cpuPerRequestVsBare, '×');
    }
  }
  return checks;
}

/** The old app's historical figure for a model, or '–' (none for yolov5n). */
function historical(model: BenchModelName, field: 'sequentialMs' | 'requestsPerSecond' | 'bareMs'): string {
  const figures = OLD_APP_HISTORICAL[model];
  return figures ? String(figures[field]) : '–';
}

/** How the report names a served export, after "each model served from". */
export const exportLabel = (served: ModelExport) => (served === 'static' ? 'its static 640x640 export rewritten at load' : 'its dynamic export');

/** The model as the tables name it: which weights it ran with matters to every figure after NMS. */
const modelLabel = (model: ModelResult) => `${model.model} (${model.weights})`;

const ms = (value: number) => (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value.toFixed(1)) : '–');
const x = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Which export each model was served from, and why YOLOv8's is not the static one. */
function servedSentence(models: readonly ModelResult[]): string {
  const servedFrom = (served: ModelExport) => models.filter((model) => model.served === served).map((model) => model.model);
  const [fromStatic, fromDynamic] = [servedFrom('static'), servedFrom('dynamic')];
  return [
    fromStatic.length > 0 ? `Served from the static 640x640 export (the kind a default install serves), rewritten at load to AutoShape's rectangles: ${fromStatic.join(', ')}.` : '',
    fromDynamic.length > 0
      ? `Served from the dynamic export (the rewrite recognises YOLOv5 heads only: a static YOLOv8 would run at its 640x640 square, not at the same input): ${fromDynamic.join(', ')}.`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function modelsSentence(models: readonly ModelResult[]): string {
  const trained = models.filter((model) => model.weights === 'trained').map((model) => model.model);
  const random = models.filter((model) => model.weights === 'random').map((model) => model.model);
  return [
    trained.length > 0 ? `${trained.join(', ')} with trained weights (../shared/models: real detections, real NMS load).` : '',
    random.length > 0 ? `${random.join(', ')} with the real architectures and random weights (\`npm run models:generate\`: real compute, nothing detected).` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export function renderMarkdown(results: BenchResults, checks: SameRunCheck[]): string {
  return [
    ...runFacts(results),
    ...familyComparison(results.models),
    ...bareRunTable(results.models),
    ...pipelineTables(results.models),
    ...parityTable(results.models),
    ...sequentialHttpTable(results.models),
    ...loadTable(results.models),
    ...checksTable(results.models, checks),
  ].join('\n\n') + '\n';
}

/** The run's heading, machine, settings, services and head-of-line paragraphs. */
function runFacts(results: BenchResults): string[] {
  const { machine, settings, service } = results;
  const out: string[] = [];
  out.push(`## Benchmark ${results.date}`);
  out.push(
    `Machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGB} GB; load average ${machine.loadAverage.start.map((v) => v.toFixed(2)).join(' ')} at the start, ` +
      `${machine.loadAverage.end.map((v) => v.toFixed(2)).join(' ')} at the end (shared machine). Node ${machine.node}, onnxruntime-node ${machine.onnxruntime}, sharp ${machine.sharp}. ` +
      `${modelsSentence(results.models)} ${settings.rounds} interleaved rounds ` +
      `(each sequential case after a ${settings.idleGapMs} ms idle gap), ${settings.loadSeconds} s per 4-client case in two halves, /health polled every ${settings.healthIntervalMs} ms in the first, the second in ${CPU_SEGMENTS} segments each followed by bare runs; ` +
      `service: ${settings.workerThreads} worker thread(s) × ${settings.intraOpThreads} intra-op thread(s). ${servedSentence(results.models)} ` +
      `Whole run ${results.durationS.toFixed(0)} s.`,
  );
  for (const facts of [service, ...results.otherServices]) {
    out.push(
      `Service: ready ${(facts.readyMs / 1000).toFixed(1)} s after start (${facts.models}), RSS of the whole process ${facts.rssAfterReadyMB.toFixed(0)} MB when ready, ` +
        `${facts.rssAfterLoadMB.toFixed(0)} MB after the 4-client bursts, peak ${facts.peakRssMB.toFixed(0)} MB over the run.`,
    );
  }
  const { headOfLine } = results;
  if (headOfLine) {
    const served = results.models.find((model) => model.model === headOfLine.probeModel)?.served;
    out.push(
      `Head-of-line${served ? ` (each model served from ${exportLabel(served)})` : ''}: sequential ${headOfLine.probeModel} requests (bus.jpg, JSON) took ${headOfLine.alone.median.toFixed(0)} ms (median) alone and ` +
        `${headOfLine.duringBurst.median.toFixed(0)} ms (p95 ${headOfLine.duringBurst.p95.toFixed(0)}) while ${headOfLine.burstClients} clients kept ${headOfLine.burstModel}'s queue full; ` +
        `the ${headOfLine.burstModel} requests themselves took ${headOfLine.burstLatency.median.toFixed(0)} ms, which is what ${headOfLine.probeModel} would wait behind one shared queue.`,
    );
  }
  return out;
}

function bareRunTable(models: readonly ModelResult[]): string[] {
  return [
    '### Bare `InferenceSession.run` on a ready tensor (ms)',
    '`file`: the static export, pinned to its square, at 640x640; the dynamic export at the rectangles (the graph a rewritten static export runs there, with the same outputs).',
    table(
      ['model', 'file', 'input', 'p50', 'p95', 'CPU ms p50', 'GFLOPs', 'GFLOP/s', 'old app\'s bare 640 (historical)'],
      models.flatMap((model) =>
        Object.entries(model.bare).map(([input, summary]) => [
          modelLabel(model),
          summary.file,
          input,
          ms(summary.median),
          ms(summary.p95),
          ms(summary.cpuMs),
          summary.gflops.toFixed(1),
          summary.gflopsPerSecond.toFixed(0),
          input === '640x640' ? historical(model.model, 'bareMs') : '',
        ]),
      ),
    ),
  ];
}

function pipelineTables(models: readonly ModelResult[]): string[] {
  const out: string[] = [];
  out.push('### In-process pipeline (ms, p50 of each stage; total p50 / p95)');
  for (const variant of ['dynamic', 'static'] as const) {
    out.push(`${variant === 'dynamic' ? 'Dynamic exports (AutoShape rectangles)' : 'Static 640x640 exports pinned to their square (`shape_policy: fixed`)'}:`);
    out.push(
      table(
        ['model', 'photo', 'input', 'decoder', 'decode', 'preprocess', 'inference', 'postprocess', 'total p50', 'total p95', 'total / bare (paired)'],
        models.flatMap((model) =>
          model.pipeline[variant].map((row) => [
            modelLabel(model),
            row.photo,
            row.input,
            row.decoder,
            ms(row.stages.decode),
            ms(row.stages.preprocess),
            ms(row.stages.inference),
            ms(row.stages.postprocess),
            ms(row.total.median),
            ms(row.total.p95),
            x(row.vsBare.median),
          ]),
        ),
      ),
    );
  }
  return out;
}

function parityTable(models: readonly ModelResult[]): string[] {
  const level = (comparison: ParityComparison) => `${comparison.maxLevels} / ${comparison.meanLevels.toFixed(2)}`;
  const change = (comparison: ParityComparison) => `${(comparison.relativeOutputChange * 100).toFixed(1)}%`;
  return [
    '### Decoding parity (dynamic models)',
    'Input tensor differences (0..255 levels) and the change of the model output (objectness and class scores), relative to the photo\'s ' +
      'own effect on it (output for the photo vs for a uniform grey image): service path vs **exact** (full libjpeg-turbo decode + cv2 ' +
      'INTER_LINEAR arithmetic, i.e. AutoShape) and vs **jimp** (the previous decoder). A random-weight model\'s boxes are ' +
      'insensitive to the picture, so the output scores are compared instead, for every model alike.',
    table(
      ['model', 'photo', 'decoder', 'vs exact: max / mean levels', 'output change', 'vs jimp: max / mean levels', 'output change', 'jimp vs exact: output change'],
      models.flatMap((model) =>
        model.parity.map((row) => [modelLabel(model), row.photo, row.decoder, level(row.vsExact), change(row.vsExact), level(row.vsJimp), change(row.vsJimp), change(row.jimpVsExact)]),
      ),
    ),
  ];
}

function sequentialHttpTable(models: readonly ModelResult[]): string[] {
  return [
    '### End-to-end POST /predict, sequential (ms)',
    '`e2e / bare` is the median over the rounds of each round\'s ratio to the bare run at the same input shape (paired, so a noisy stretch of the run hits both sides). ' +
      '`export` is the file the service ran: first, with both bodies, the one served under the model\'s name (YOLOv5: the static export, as a default install serves it; YOLOv8: the dynamic one); ' +
      'then, as JSON, the YOLOv5 dynamic export served as `<model>-dynamic` by a second service. ' +
      '`shape policy` is what `GET /models/{name}` said: a static export rewritten at load runs at the photo\'s rectangle, and its bare run there is the dynamic file\'s (the same weights and outputs).',
    table(
      ['model', 'export', 'shape policy', 'photo', 'body', 'input', 'p50', 'p95', 'e2e / bare (paired)', 'old app p50 (historical)', 'server decode', 'server inference'],
      models.flatMap((model) =>
        model.http.map((row) => [
          modelLabel(model),
          row.export,
          row.shapePolicy,
          row.photo,
          row.encoding,
          row.input,
          ms(row.latency.median),
          ms(row.latency.p95),
          x(row.vsBare.median),
          row.photo === REFERENCE_PHOTO && row.encoding === 'json' && row.export === model.served ? historical(model.model, 'sequentialMs') : '',
          ms(row.serverStages.decode ?? Number.NaN),
          ms(row.serverStages.inference ?? Number.NaN),
        ]),
      ),
    ),
  ];
}

function loadTable(models: readonly ModelResult[]): string[] {
  return [
    '### 4 concurrent clients (bus.jpg), GET /health polled meanwhile (first half)',
    '`export`: the file served under the model\'s name (YOLOv5: the static export rewritten at load; YOLOv8: the dynamic one). ' +
      "`CPU ms / request` is the service process's CPU time (all its threads, /proc) over the second half of the load (no /health poller) divided by its answers; " +
      "`CPU / bare CPU` divides it by the CPU ms per run of bare runs at bus.jpg's input shape (this process's threads, ONNX Runtime's included, V8's helper threads left out), " +
      `made back to back (at least ${BARE_BURST.ms / 1000} s and ${BARE_BURST.runs} runs) right after each of that half's ${CPU_SEGMENTS} segments: both sides work back to back, within seconds; ` +
      'the ratio of each segment follows in brackets.',
    table(
      ['model', 'export', 'body', 'req/s', 'old app req/s (historical)', 'latency p50', 'p95', 'CPU ms / request', 'CPU / bare CPU', '/health p50', 'p95', 'p99', 'max'],
      models.flatMap((model) =>
        model.load.map((row) => [
          modelLabel(model),
          model.served,
          row.encoding,
          row.requestsPerSecond.toFixed(2),
          historical(model.model, 'requestsPerSecond'),
          ms(row.latency.median),
          ms(row.latency.p95),
          ms(row.cpuMsPerRequest),
          `${x(row.cpuVsBare)} (${row.cpuVsBareBySegment.map(x).join(', ')})`,
          ms(row.health.median),
          ms(row.health.p95),
          ms(row.health.p99),
          ms(row.health.max),
        ]),
      ),
    ),
    `The old app's figures (FastAPI + torch hub, same architectures) are historical: measured in ${OLD_APP_MEASURED}, not in this run. ` +
      'These machines swing 1.5× between runs, so they are printed for orientation and no ratio to them is computed; compare ' +
      'only figures of the same run.',
    ...cpuByThreadTable(models),
  ];
}

const THREAD_ROLE_COLUMNS: readonly ThreadRole[] = [...new Set(Object.values(THREAD_ROLES)), 'other'];

/** Where the 4-client load's CPU per request went, thread by thread, beside the bare run's CPU at the same input. */
function cpuByThreadTable(models: readonly ModelResult[]): string[] {
  return [
    '#### CPU ms per request by thread (the same 4-client loads)',
    "Each thread's CPU time (/proc/<pid>/task) over the second half of the load (no /health poller), by what it does: `HTTP thread` (requests, JSON, base64, answers), " +
      '`runners and ONNX Runtime` (letterbox, `session.run` on its intra-op threads, output decoding, NMS), `image decoding` ' +
      "(libvips' threads and libuv's pool), `garbage collection` (V8's helper threads); `bare run` is the CPU per run of the back-to-back " +
      "bare `session.run`s made between the load's segments, at bus.jpg's input shape: what the runners' share would be with nothing else to do.",
    table(
      ['model', 'body', ...THREAD_ROLE_COLUMNS, 'total', 'bare run'],
      models.flatMap((model) =>
        model.load.map((row) => [
          modelLabel(model),
          row.encoding,
          ...THREAD_ROLE_COLUMNS.map((role) => ms(row.cpuMsPerRequestByThread[role] ?? 0)),
          ms(row.cpuMsPerRequest),
          ms(row.bareCpuMsPerRun),
        ]),
      ),
    ),
  ];
}

function checksTable(models: readonly ModelResult[], checks: SameRunCheck[]): string[] {
  const met = checks.filter((check) => check.met).length;
  return [
    '### Checks within this run',
    table(
      ['check', 'model', 'case', 'measured', 'limit', 'met'],
      checks.map((check) => [
        check.check,
        modelLabel(models.find((model) => model.model === check.model)!),
        check.case,
        check.unit === '×' ? x(check.value) : `${ms(check.value)} ${check.unit}`,
        check.unit === '×' ? x(check.limit) : `${ms(check.limit)} ${check.unit}`,
        check.met ? 'yes' : `**no** (${((check.ratio - 1) * 100).toFixed(0)}% over)`,
      ]),
    ),
    `${met} of ${checks.length} checks met.`,
  ];
}

export interface TuneResults {
  date: string;
  machine: BenchResults['machine'];
  sessionOptions: { model: string; variant: string; run: Summary; relative: number }[];
  layouts: { layout: string; model: string; sequential: Summary; requestsPerSecond: Summary; loadLatency: Summary; health: Summary }[];
}

export function renderTuneMarkdown(results: TuneResults): string {
  const { machine } = results;
  const out: string[] = [];
  out.push(`## Tuning ${results.date}`);
  out.push(
    `Machine: ${machine.cores} cores, ${machine.cpuModel}; load average ${machine.loadAverage.start.map((v) => v.toFixed(2)).join(' ')} at the start, ` +
      `${machine.loadAverage.end.map((v) => v.toFixed(2)).join(' ')} at the end (shared machine).`,
  );
  out.push('### ONNX Runtime session options: bare run at 640x640, interleaved, each run after a 30 ms pause (ms)');
  out.push(
    table(
      ['model', 'variant', 'p50', 'p95', 'vs chosen'],
      results.sessionOptions.map((row) => [row.model, row.variant, ms(row.run.median), ms(row.run.p95), x(row.relative)]),
    ),
  );
  out.push('### Pool layouts, end to end (bus.jpg as base64 JSON; 4 clients; GET /health polled every 25 ms during the load)');
  out.push(
    table(
      ['layout', 'model', 'sequential p50', 'p95', '4-client req/s (median of rounds)', 'load latency p50', '/health p95', 'p99', 'max'],
      results.layouts.map((row) => [
        row.layout,
        row.model,
        ms(row.sequential.median),
        ms(row.sequential.p95),
        row.requestsPerSecond.median.toFixed(2),
        ms(row.loadLatency.median),
        ms(row.health.p95),
        ms(row.health.p99),
        ms(row.health.max),
      ]),
    ),
  );
  return out.join('\n\n') + '\n';
}

const FAMILIES: readonly BenchFamily[] = ['YOLOv5', 'YOLOv8'];

/** The figures of one model that the side-by-side table compares (bus.jpg, JSON body, the served export). */
function familyFigures(model: ModelResult) {
  const http = model.http.find((row) => row.photo === REFERENCE_PHOTO && row.encoding === 'json' && row.export === model.served);
  const load = model.load.find((row) => row.encoding === 'json');
  const bare = http ? model.bare[http.input] : undefined;
  return {
    input: http?.input ?? '–',
    parameters: model.parameters,
    gflops: bare?.gflops ?? Number.NaN,
    bare: bare?.median ?? Number.NaN,
    endToEnd: http?.latency.median ?? Number.NaN,
    requestsPerSecond: load?.requestsPerSecond ?? Number.NaN,
    cpuMsPerRequest: load?.cpuMsPerRequest ?? Number.NaN,
    rssMB: model.aloneMemory.rssWarmMB,
  };
}

/**
 * YOLOv5 and YOLOv8 of each size side by side, for every size the run measured in both families, with YOLOv8's
 * figures over YOLOv5's (all from this run). Nothing when no size has both.
 */
export function familyComparison(models: readonly ModelResult[]): string[] {
  const pairs = ['n', 's', 'm', 'l'].flatMap((size) => {
    const [v5, v8] = FAMILIES.map((family) => models.find((model) => benchFamily(model.model) === family && benchSize(model.model) === size));
    return v5 && v8 ? [{ size, v5, v8 }] : [];
  });
  if (pairs.length === 0) return [];
  const ratio = (a: number, b: number) => x(a / b);
  const rows = pairs.flatMap(({ size, v5, v8 }) => {
    const [a, b] = [familyFigures(v5), familyFigures(v8)];
    const row = (model: ModelResult, f: typeof a) => [
      size,
      modelLabel(model),
      model.served,
      f.input,
      (f.parameters / 1e6).toFixed(1),
      Number.isFinite(f.gflops) ? f.gflops.toFixed(1) : '–',
      ms(f.bare),
      ms(f.endToEnd),
      Number.isFinite(f.requestsPerSecond) ? f.requestsPerSecond.toFixed(2) : '–',
      ms(f.cpuMsPerRequest),
      Number.isFinite(f.rssMB) ? f.rssMB.toFixed(0) : '–',
    ];
    return [
      row(v5, a),
      row(v8, b),
      [
        size,
        '_YOLOv8 / YOLOv5_',
        '',
        '',
        ratio(b.parameters, a.parameters),
        ratio(b.gflops, a.gflops),
        ratio(b.bare, a.bare),
        ratio(b.endToEnd, a.endToEnd),
        ratio(b.requestsPerSecond, a.requestsPerSecond),
        ratio(b.cpuMsPerRequest, a.cpuMsPerRequest),
        ratio(b.rssMB, a.rssMB),
      ],
    ];
  });
  return [
    '### YOLOv5 and YOLOv8 side by side (bus.jpg, JSON body, the exports a default install serves)',
    'Export: the file served, YOLOv5 from its static 640x640 export rewritten at load to the rectangles (as `npm start` serves the official files), ' +
      'YOLOv8 from its dynamic export (the rewrite recognises YOLOv5 heads only; a static YOLOv8 would run at its square): both at the same input. ' +
      'Bare: `session.run` of the dynamic export at the input bus.jpg runs at (the rewritten graph gives its outputs); e2e: sequential POST /predict, p50; 4 clients: requests/s; CPU: the ' +
      "service process's CPU time (all threads) over the second half of the 4-client load (no /health poller) per request completed; RSS: a service serving " +
      'this model alone, after a few requests. Random weights cost what trained ones do, except NMS, which gets no candidates.',
    table(['size', 'model', 'export', 'input', 'params (M)', 'GFLOPs', 'bare p50 (ms)', 'e2e p50 (ms)', '4 clients req/s', 'CPU ms / request', 'RSS alone (MB)'], rows),
  ];
}
