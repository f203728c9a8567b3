import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { YOLOV5_MODELS, Yolov5Model, YOLOV8_MODELS } from '@app/onnx-writer';
import type { InputSize } from '@app/vision';
import { readDetectorConfig } from '../../detector/src/config/detector-config';
import { parseCommandLine, parseModelList, runCommand, UsageError } from './command-line';
import { benchModelCost, BenchModelName, generateBenchModels, ModelExport } from './bench/bench-models';
import { BenchModel, dynamicTwinName, dynamicTwinsFolder, expectServedShapePolicy, LineupServices, prepareBenchModels, withDynamicTwin } from './bench/bench-lineup';
import { AloneMemory, measureAloneMemory } from './bench/alone-memory';
import { BenchClient, closedLoopLoad, HEALTH_REQUEST, jsonPredictRequest, multipartPredictRequest, pollLatency, PreparedRequest } from './bench/http-load';
import { bareBurst, BenchPhoto, closeModel, InProcessModel, loadPhotos, openModel, readyTensor, shapeKey, SQUARE, timeBareRun, timePipeline } from './bench/in-process';
import { measureHeadOfLine } from './bench/head-of-line';
import { measureParity, ParityRow } from './bench/parity';
import { BARE_BURST, BENCH_PHOTOS, CPU_SEGMENTS, REFERENCE_PHOTO } from './bench/reference';
import { thisMachine, writeBenchmarksRegion } from './bench/benchmarks-doc';
import { BenchResults, checkSameRun, Encoding, exportLabel, ModelResult, renderMarkdown, renderTuneMarkdown, TuneResults } from './bench/report';
import { buildServiceSnapshot, SERVICE_START_TIMEOUT_MS } from './bench/service-process';
import { ownCpuClock, processCpuClock, ThreadRole, threadRoleCpuMs, threadRoleCpuSpent, withCpuTime } from './bench/cpu-time';
import { RunningService, startService } from '../../detector/test/support/service';
import { SampleSet, summarize } from './bench/stats';
import { runStreamBench } from './bench/stream';
import { poolLayouts, tunePoolLayouts, tuneSessionOptions } from './bench/tune';

/** The trained yolov5n first, then the random-weight architectures: YOLOv5 s/m/l, then YOLOv8 n/s/m/l. */
const YOLOV5_BENCH_MODELS: readonly BenchModelName[] = ['yolov5n', ...YOLOV5_MODELS];
const BENCH_MODELS: readonly BenchModelName[] = [...YOLOV5_BENCH_MODELS, ...YOLOV8_MODELS];

const USAGE = `Usage: npm run bench -- [options]

Measures the trained yolov5n from ../shared/models (real detections, so NMS gets real candidates) and the
real-architecture yolov5s/m/l and YOLOv8 n/s/m/l with random weights (generated, static and dynamic, into a
temporary folder): builds and starts the service (one per family) serving what a default install serves, the
YOLOv5 static 640x640 exports (the kind models:fetch installs, rewritten at load to run at AutoShape's rectangles;
the bench stops if one is not) and the YOLOv8 dynamic exports, and measures, interleaved round by round: bare ONNX
Runtime runs, the in-process pipeline on four photos, sequential POST /predict (JSON and multipart; JSON again to a
second service serving the YOLOv5 dynamic exports as <model>-dynamic), then 4 concurrent clients with GET /health
polled meanwhile and the service's CPU time counted, then each model's memory in a service of its own. Prints the
tables (YOLOv5 and YOLOv8 of each size side by side first), the checks whose ratios were measured in this run (end
to end against the bare run, /health under load), and the old app's historical figures for orientation; writes
bench.json and bench.md.

Options:
  --models LIST    comma-separated (default: ${BENCH_MODELS.join(',')}; --streams: YOLOv5 only;
                   --tune: random-weight YOLOv5 only)
  --rounds N       interleaved rounds of the sequential measurements (default 10; --streams: 2)
  --load-seconds S seconds of 4-client load per model and body type (default 8; --streams: seconds per case, 5)
  --out DIR        where bench.json and bench.md go (default bench/results)
  --streams        instead: live streams (WebSocket /stream) for the real yolov5n and --models at 640 and 320, one and
                   two streams: fps and latency p50/p95 against bare inference; writes streams.json and streams.md
  --tune           instead: the measurements behind the defaults (ONNX Runtime session options on bare runs,
                   pool layouts WORKER_THREADS × ORT_INTRA_OP_THREADS end to end); writes tune.json and tune.md
  --help           show this text

The service runs with its own defaults for WORKER_THREADS and ORT_INTRA_OP_THREADS unless they are set in the
environment.`;

const REPO_ROOT = resolve(__dirname, '../../..');
const SHARED_MODELS = resolve(REPO_ROOT, '../shared/models');
const CORPUS_PHOTOS = resolve(REPO_ROOT, '../shared/corpus/photos');
const HEALTH_INTERVAL_MS = 25;
const IDLE_GAP_MS = 30;
const CLIENTS = 4;

const packageVersion = (name: string): string => JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const encodings: Encoding[] = ['json', 'multipart'];

function requestFor(model: BenchModel, photo: BenchPhoto, encoding: Encoding): PreparedRequest {
  return encoding === 'json' ? jsonPredictRequest(model.name, photo.bytes) : multipartPredictRequest(model.name, photo.bytes, photo.name, 'image/jpeg');
}

/** `--name N`: a positive number, or the default when the option is absent. */
function positiveOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0)) throw new UsageError(`--${name} must be a positive number, got "${text}"`);
  return value;
}

/** What every mode is given: the options, the scratch folder and the moment the run started. */
interface BenchRun {
  modelNames: BenchModelName[];
  rounds: number;
  loadSeconds: number;
  outDir: string;
  workerThreads: number;
  intraOpThreads: number;
  scratch: string;
  started: number;
  loadAtStart: number[];
}

async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const values = parseCommandLine(argv, {
    models: { type: 'string' },
    rounds: { type: 'string' },
    'load-seconds': { type: 'string' },
    out: { type: 'string' },
    tune: { type: 'boolean' },
    streams: { type: 'boolean' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const modelNames = parseModelList(
    values.models ?? (values.tune ? 'yolov5s,yolov5m' : undefined),
    values.tune ? YOLOV5_MODELS : values.streams ? YOLOV5_BENCH_MODELS : BENCH_MODELS,
  ) as BenchModelName[];
  const rounds = positiveOption('rounds', values.rounds, values.tune ? 4 : values.streams ? 2 : 10);
  const loadSeconds = positiveOption('load-seconds', values['load-seconds'], values.tune ? 3 : values.streams ? 5 : 8);
  const outDir = resolve(values.out ?? join(REPO_ROOT, 'bench/results'));
  const { workerThreads, intraOpThreads } = readDetectorConfig();

  const started = Date.now();
  const loadAtStart = loadavg();
  const scratch = mkdtempSync(join(tmpdir(), 'yolov5-bench-'));
  const run: BenchRun = { modelNames, rounds, loadSeconds, outDir, workerThreads, intraOpThreads, scratch, started, loadAtStart };
  try {
    if (values.streams) await benchStreams(run);
    else if (values.tune) await benchTune(run);
    else await benchService(run);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `--streams`: live streams over WebSocket /stream. */
async function benchStreams({ modelNames, scratch, rounds, loadSeconds, intraOpThreads, outDir }: BenchRun): Promise<void> {
  // The trained yolov5n is always measured; the others are the random-weight architectures.
  const models = modelNames.filter((name): name is Yolov5Model => name !== 'yolov5n');
  await runStreamBench({ repoRoot: REPO_ROOT, scratch, models, rounds, seconds: loadSeconds, intraOpThreads, outDir, log });
}

/** The default mode: the service and the in-process pipeline, sequential and under 4-client load. */
async function benchService({ modelNames, rounds, loadSeconds, outDir, workerThreads, intraOpThreads, scratch, started, loadAtStart }: BenchRun): Promise<void> {
  let servedBy: LineupServices | null = null;
  let twinService: RunningService | null = null;
  let twinClient: BenchClient | null = null;
  const opened: InProcessModel[] = [];
  try {
    log(`preparing ${modelNames.join(', ')} (trained from ${SHARED_MODELS}, random-weight ones generated static and dynamic into ${scratch})`);
    const lineup = await prepareBenchModels(modelNames, scratch, SHARED_MODELS, log);
    if (lineup.length === 0) throw new UsageError('No model left to measure');
    log('building the service (npm run build) and snapshotting dist/');
    const entry = buildServiceSnapshot(REPO_ROOT, join(scratch, 'service'));
    const photos = await loadPhotos(CORPUS_PHOTOS, BENCH_PHOTOS);

    log(`starting the service (${lineup.map(({ name, served }) => `${name}: ${served} export`).join(', ')}; ${workerThreads} worker(s) × ${intraOpThreads} intra-op thread(s))`);
    servedBy = new LineupServices();
    await servedBy.start(lineup, entry, log);
    const endpoint = servedBy.endpoint;
    const twins = new Set<string>(withDynamicTwin(lineup).map(({ name }) => name));
    if (twins.size > 0) {
      twinService = await startService({ entry, env: { MODELS_DIR: dynamicTwinsFolder(scratch, lineup) }, timeoutMs: SERVICE_START_TIMEOUT_MS });
      twinClient = new BenchClient(twinService.url);
      log(`service for the dynamic exports (${[...twins].map(dynamicTwinName).join(', ')}) ready after ${(twinService.readyMs / 1000).toFixed(1)} s`);
    }

    log(`opening the models in this process (${intraOpThreads} intra-op threads, the workers' session options)`);
    for (const model of lineup) opened.push(await openModel(model.name, model.staticFile, model.dynamicFile, intraOpThreads));
    log('decoding parity (input tensors and outputs against the exact and the jimp paths)');
    const parity = new Map<string, ParityRow[]>();
    for (const model of opened) {
      const rows: ParityRow[] = [];
      for (const photo of photos) rows.push(await measureParity(photo, model.dynamic, model.dynamicDetector));
      parity.set(model.name, rows);
    }
    const shapes = [SQUARE, ...new Map(photos.map((photo) => [shapeKey(photo.rectangle), photo.rectangle])).values()];
    // The static export pinned to its square; the dynamic one at the rectangles, the graph a rewritten static export runs there.
    const bareFile = (shape: InputSize): ModelExport => (shape === SQUARE ? 'static' : 'dynamic');
    const tensors = new Map(shapes.map((shape) => [shapeKey(shape), readyTensor(shape)]));
    const requests = new Map<string, PreparedRequest>();
    for (const model of lineup) {
      for (const photo of photos) {
        for (const encoding of encodings) requests.set(`${model.name} ${photo.name} ${encoding}`, requestFor(model, photo, encoding));
        if (twins.has(model.name)) requests.set(`${model.name} ${photo.name} twin`, jsonPredictRequest(dynamicTwinName(model.name), photo.bytes));
      }
    }

    const samples = new SampleSet();
    const stageSamples = new SampleSet();
    const inputs = new Map<string, string>();
    /**
     * One pass over every sequential case of one model (`round` 0 is the unrecorded warm-up): the in-process cases,
     * then the HTTP ones, whose body types swap order every round. Each case starts after an idle gap, as a lone
     * request does, and an unrecorded request opens the HTTP block: the first request after in-process work was
     * measured ~10% slower, whichever it was (the bench process's own garbage collection).
     */
    const pass = async (model: InProcessModel, round: number) => {
      const { client } = endpoint(model.name);
      const add = (key: string, value: number) => round > 0 && samples.add(key, value);
      const addStages = (key: string, stages: Record<string, number>) => {
        if (round > 0) for (const [stage, value] of Object.entries(stages)) stageSamples.add(`${key} ${stage}`, value);
      };
      for (const shape of shapes) {
        const session = model[bareFile(shape)].session;
        await sleep(IDLE_GAP_MS);
        // ONNX Runtime's threads are this process's: its CPU clock counts them.
        const bare = await withCpuTime(ownCpuClock, () => timeBareRun(session, tensors.get(shapeKey(shape))!));
        add(`${model.name} bare ${shapeKey(shape)}`, bare.result);
        add(`${model.name} bare cpu ${shapeKey(shape)}`, bare.cpuMs);
      }
      for (const photo of photos) {
        for (const variant of ['dynamic', 'static'] as const) {
          await sleep(IDLE_GAP_MS);
          const sample = await timePipeline(variant === 'dynamic' ? model.dynamicDetector : model.staticDetector, photo);
          const key = `${model.name} pipeline ${variant} ${photo.name}`;
          add(key, sample.totalMs);
          inputs.set(key, shapeKey(sample.input));
          addStages(key, { ...sample.timings });
        }
      }
      await sleep(IDLE_GAP_MS);
      await client.expectOk(requests.get(`${model.name} ${photos[0].name} json`)!);
      for (const photo of photos) {
        for (const encoding of round % 2 === 0 ? encodings : [...encodings].reverse()) {
          await sleep(IDLE_GAP_MS);
          const response = await client.expectOk(requests.get(`${model.name} ${photo.name} ${encoding}`)!);
          const key = `${model.name} http ${encoding} ${photo.name}`;
          add(key, response.ms);
          addStages(key, response.serverTiming);
        }
      }
      if (!twinClient || !twins.has(model.name)) return;
      await sleep(IDLE_GAP_MS);
      await twinClient.expectOk(requests.get(`${model.name} ${photos[0].name} twin`)!);
      for (const photo of photos) {
        await sleep(IDLE_GAP_MS);
        const response = await twinClient.expectOk(requests.get(`${model.name} ${photo.name} twin`)!);
        const key = `${model.name} http twin ${photo.name}`;
        add(key, response.ms);
        addStages(key, response.serverTiming);
      }
    };

    log('warm-up pass');
    for (const model of opened) await pass(model, 0);
    // Asked once the runners have loaded the models, before any recorded round: a served model must run as a default install runs it.
    const shapePolicies = new Map<string, Partial<Record<ModelExport, { policy: string | null; reason: string | null }>>>();
    for (const { name, served } of lineup) {
      const servedPolicy = await endpoint(name).client.shapePolicy(name);
      expectServedShapePolicy(name, served, servedPolicy);
      log(`${name} (${served} export): ${servedPolicy.policy} (${servedPolicy.reason})`);
      const twinPolicy = twinClient && twins.has(name) ? await twinClient.shapePolicy(dynamicTwinName(name)) : undefined;
      if (twinPolicy) log(`${dynamicTwinName(name)}: ${twinPolicy.policy} (${twinPolicy.reason})`);
      shapePolicies.set(name, { [served]: servedPolicy, ...(twinPolicy && { dynamic: twinPolicy }) });
    }
    for (let round = 1; round <= rounds; round++) {
      const roundStarted = Date.now();
      for (const model of opened) await pass(model, round);
      log(`round ${round}/${rounds} (${((Date.now() - roundStarted) / 1000).toFixed(1)} s)`);
    }

    // Two halves per case, A B C … A B C …, so that a noisy stretch does not hit one case only. /health is polled in the
    // first half; the CPU per request comes from the second, without the poller (each poll costs about 1 ms of CPU,
    // nearly 2 ms per answer at yolov5n's pace, which is not the 4 clients' work). That half comes in segments, each
    // followed by back-to-back bare runs: the CPU ratio then compares work done back to back in the same minute (the
    // machine's load moved a bare run's CPU by 10% between the rounds and the loads).
    const loadSamples = new SampleSet();
    const healthSamples = new SampleSet();
    const completed = new Map<string, { requests: number; ms: number; cpuRequests: number; cpuMs: number; byRole: Map<ThreadRole, number>; bareRuns: number; bareCpuMs: number; segmentRatios: number[] }>();
    const busPhoto = photos.find((photo) => photo.name === REFERENCE_PHOTO)!;
    const busTensor = tensors.get(shapeKey(busPhoto.rectangle))!;
    for (let half = 0; half < 2; half++) {
      for (const { name } of lineup) {
        const bareSession = opened.find((model) => model.name === name)![bareFile(busPhoto.rectangle)].session;
        for (const encoding of encodings) {
          const request = requests.get(`${name} ${busPhoto.name} ${encoding}`)!;
          const { service, client } = endpoint(name);
          const key = `${name} ${encoding}`;
          const total = completed.get(key) ?? { requests: 0, ms: 0, cpuRequests: 0, cpuMs: 0, byRole: new Map(), bareRuns: 0, bareCpuMs: 0, segmentRatios: [] as number[] };
          completed.set(key, total);
          const segments = half === 0 ? 1 : CPU_SEGMENTS;
          for (let segment = 0; segment < segments; segment++) {
            const poller = half === 0 ? pollLatency(`${service.url}${HEALTH_REQUEST.path}`, HEALTH_INTERVAL_MS) : null;
            const rolesBefore = threadRoleCpuMs(service.process.pid!);
            const { result: load, cpuMs } = await withCpuTime(processCpuClock(service.process.pid!), () => closedLoopLoad(client, request, CLIENTS, (loadSeconds * 1000) / 2 / segments));
            const byRole = threadRoleCpuSpent(rolesBefore, threadRoleCpuMs(service.process.pid!));
            for (const latency of load.latenciesMs) loadSamples.add(key, latency);
            for (const latency of (await poller?.stop()) ?? []) healthSamples.add(key, latency);
            total.requests += load.completed;
            total.ms += load.elapsedMs;
            if (poller) {
              log(`4 clients, ${key}, /health polled: ${load.requestsPerSecond.toFixed(2)} req/s, ${(cpuMs / load.completed).toFixed(1)} CPU ms/request`);
              continue;
            }
            total.cpuRequests += load.completed;
            total.cpuMs += cpuMs;
            for (const [role, ms] of byRole) total.byRole.set(role, (total.byRole.get(role) ?? 0) + ms);
            // By thread, so that V8's helper threads are left out: they also collect the garbage of this process's 4 clients.
            const bareRolesBefore = threadRoleCpuMs(process.pid);
            const bareRuns = await bareBurst(bareSession, busTensor, BARE_BURST);
            const bareRoles = threadRoleCpuSpent(bareRolesBefore, threadRoleCpuMs(process.pid));
            const bareCpuMs = [...bareRoles].reduce((sum, [role, ms]) => (role === 'garbage collection' ? sum : sum + ms), 0);
            total.bareRuns += bareRuns;
            total.bareCpuMs += bareCpuMs;
            const ratio = cpuMs / load.completed / (bareCpuMs / bareRuns);
            total.segmentRatios.push(ratio);
            log(`4 clients, ${key}: ${load.requestsPerSecond.toFixed(2)} req/s, ${(cpuMs / load.completed).toFixed(1)} CPU ms/request; then ${bareRuns} bare runs, ${(bareCpuMs / bareRuns).toFixed(1)} CPU ms each: ${ratio.toFixed(2)}×`);
          }
        }
      }
    }
    const servedOf = (name: string) => lineup.find((model) => model.name === name)!.served;
    const serviceFacts = servedBy.all().map(({ service, models, rssAfterReadyBytes }) => ({
      readyMs: service.readyMs,
      rssAfterReadyMB: rssAfterReadyBytes / 2 ** 20,
      rssAfterLoadMB: service.memory().rssBytes / 2 ** 20,
      peakRssMB: service.memory().peakRssBytes / 2 ** 20,
      models: `${models.join(', ')}, each served from ${[...new Set(models.map((name) => exportLabel(servedOf(name))))].join(' or ')} and loaded in its own ${workerThreads} runner thread(s)`,
    }));
    for (const facts of serviceFacts) log(`RSS after the 4-client bursts (${facts.models}): ${facts.rssAfterLoadMB.toFixed(0)} MB`);
    // Head-of-line needs yolov5s and yolov5l in one service (the generated folder).
    const served = new Set(lineup.map(({ name }) => name));
    const headOfLine =
      served.has('yolov5s') && served.has('yolov5l') && endpoint('yolov5s').service === endpoint('yolov5l').service
        ? await measureHeadOfLine(
            endpoint('yolov5s').client,
            { probe: requests.get(`yolov5s ${busPhoto.name} json`)!, burst: requests.get(`yolov5l ${busPhoto.name} json`)!, probeModel: 'yolov5s', burstModel: 'yolov5l' },
            { blocks: 3, probesPerBlock: 5, burstClients: 8 },
          )
        : undefined;
    const aloneMemory = new Map<string, AloneMemory>();
    for (const model of lineup) {
      const memory = await measureAloneMemory(scratch, entry, model, requests.get(`${model.name} ${busPhoto.name} json`)!);
      aloneMemory.set(model.name, memory);
      log(`${model.name} served alone: RSS ${memory.rssReadyMB.toFixed(0)} MB when ready, ${memory.rssWarmMB.toFixed(0)} MB after ${memory.warmRequests} requests`);
    }
    if (headOfLine) log(`head-of-line: yolov5s ${headOfLine.alone.median.toFixed(0)} ms alone, ${headOfLine.duringBurst.median.toFixed(0)} ms during a yolov5l burst (whose requests took ${headOfLine.burstLatency.median.toFixed(0)} ms)`);

    const stagesOf = (key: string) => ({
      decode: stageSamples.summary(`${key} decode`).median,
      preprocess: stageSamples.summary(`${key} preprocess`).median,
      inference: stageSamples.summary(`${key} inference`).median,
      postprocess: stageSamples.summary(`${key} postprocess`).median,
    });
    const models: ModelResult[] = opened.map((model) => ({
      model: model.name as BenchModelName,
      weights: lineup.find(({ name }) => name === model.name)!.weights,
      served: servedOf(model.name),
      parameters: benchModelCost(model.name as BenchModelName).parameters,
      bare: Object.fromEntries(
        shapes.map((shape) => {
          const summary = samples.summary(`${model.name} bare ${shapeKey(shape)}`);
          const { gflops } = benchModelCost(model.name as BenchModelName, shape);
          const cpuMs = samples.summary(`${model.name} bare cpu ${shapeKey(shape)}`).median;
          return [shapeKey(shape), { ...summary, gflops, gflopsPerSecond: gflops / (summary.median / 1000), cpuMs, file: bareFile(shape) }];
        }),
      ),
      pipeline: {
        dynamic: photos.map((photo) => pipelineRow(model.name, 'dynamic', photo)),
        static: photos.map((photo) => pipelineRow(model.name, 'static', photo)),
      },
      parity: parity.get(model.name)!,
      http: [
        ...photos.flatMap((photo) => encodings.map((encoding) => httpRow(`${model.name} http ${encoding} ${photo.name}`, model.name, photo, encoding, servedOf(model.name)))),
        ...(twins.has(model.name) ? photos.map((photo) => httpRow(`${model.name} http twin ${photo.name}`, model.name, photo, 'json', 'dynamic')) : []),
      ],
      load: encodings.map((encoding) => {
        const key = `${model.name} ${encoding}`;
        const health = healthSamples.get(key);
        const { requests: done, ms, cpuRequests, cpuMs, byRole, bareRuns, bareCpuMs, segmentRatios } = completed.get(key)!;
        return {
          encoding,
          photo: busPhoto.name,
          clients: CLIENTS,
          requestsPerSecond: (done * 1000) / ms,
          completed: done,
          cpuMsPerRequest: cpuMs / cpuRequests,
          bareCpuMsPerRun: bareCpuMs / bareRuns,
          cpuVsBare: cpuMs / cpuRequests / (bareCpuMs / bareRuns),
          cpuVsBareBySegment: segmentRatios,
          cpuMsPerRequestByThread: Object.fromEntries([...byRole].map(([role, roleMs]) => [role, roleMs / cpuRequests])),
          latency: loadSamples.summary(key),
          health: { ...summarize(health.filter(Number.isFinite)), failed: health.filter((value) => !Number.isFinite(value)).length },
        };
      }),
      aloneMemory: aloneMemory.get(model.name)!,
    }));
    function httpRow(key: string, name: string, photo: BenchPhoto, encoding: Encoding, modelExport: ModelExport) {
      const { policy, reason } = shapePolicies.get(name)![modelExport]!;
      const input = shapeKey(policy === 'rectangular' ? photo.rectangle : SQUARE);
      const shapePolicy = `${policy} (${reason})`;
      return { photo: photo.name, encoding, export: modelExport, shapePolicy, input, latency: samples.summary(key), vsBare: pairedRatio(key, `${name} bare ${input}`), serverStages: stagesOf(key) };
    }
    function pipelineRow(name: string, variant: 'dynamic' | 'static', photo: BenchPhoto) {
      const key = `${name} pipeline ${variant} ${photo.name}`;
      const input = inputs.get(key)!;
      return { photo: photo.name, input, decoder: photo.decoder, total: samples.summary(key), vsBare: pairedRatio(key, `${name} bare ${input}`), stages: stagesOf(key) };
    }
    /** Ratios of two cases measured once per round, round by round: a noisy stretch of the run hits both sides. */
    function pairedRatio(key: string, bareKey: string) {
      const bare = samples.get(bareKey);
      return summarize(samples.get(key).map((value, round) => value / bare[round]));
    }

    const results: BenchResults = {
      date: new Date().toISOString().slice(0, 10),
      machine: machine(loadAtStart),
      settings: { rounds, loadSeconds, workerThreads, intraOpThreads, healthIntervalMs: HEALTH_INTERVAL_MS, idleGapMs: IDLE_GAP_MS },
      service: serviceFacts[0],
      otherServices: serviceFacts.slice(1),
      headOfLine,
      models,
      durationS: (Date.now() - started) / 1000,
    };
    const checks = checkSameRun(results);
    const markdown = renderMarkdown(results, checks);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'bench.json'), JSON.stringify({ ...results, checks }, null, 2) + '\n');
    writeFileSync(join(outDir, 'bench.md'), markdown);
    console.log(markdown);
    log(`wrote ${join(outDir, 'bench.json')} and bench.md`);
    log(`updated ${writeBenchmarksRegion('service', markdown, { date: results.date, machine: thisMachine(), command: 'npm run bench' })}`);
  } finally {
    for (const model of opened) await closeModel(model);
    await servedBy?.stop();
    twinClient?.close();
    await twinService?.stop();
  }
}

function machine(loadAtStart: number[]): BenchResults['machine'] {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGB: Math.round(totalmem() / 2 ** 30),
    loadAverage: { start: loadAtStart, end: loadavg() },
    node: process.versions.node,
    onnxruntime: packageVersion('onnxruntime-node'),
    sharp: packageVersion('sharp'),
  };
}

/** `--tune`: the measurements behind the defaults (session options, pool layouts). */
async function benchTune({ modelNames: names, scratch, intraOpThreads, rounds, loadSeconds, outDir, loadAtStart }: BenchRun): Promise<void> {
  const modelNames = names as Yolov5Model[];
  log(`generating ${modelNames.join(', ')} (static and dynamic) into ${scratch}`);
  const files = await generateBenchModels(join(scratch, 'models'), modelNames);
  log('building the service (npm run build) and snapshotting dist/');
  const entry = buildServiceSnapshot(REPO_ROOT, join(scratch, 'service'));
  const photos = await loadPhotos(CORPUS_PHOTOS, BENCH_PHOTOS);
  log('session options: bare runs at 640x640');
  const sessionFiles = Object.fromEntries(modelNames.map((name) => [name, files.file(name, 'static')]));
  const sessionOptions = await tuneSessionOptions(sessionFiles, intraOpThreads, rounds * 5, log);
  log('pool layouts: one service per layout');
  const layouts = await tunePoolLayouts({
    entry,
    modelsDir: files.dir('dynamic'),
    models: modelNames,
    image: photos.find((photo) => photo.name === REFERENCE_PHOTO)!.bytes,
    layouts: poolLayouts(availableParallelism()),
    rounds,
    loadMs: loadSeconds * 1000,
    log,
  });
  const results: TuneResults = { date: new Date().toISOString().slice(0, 10), machine: machine(loadAtStart), sessionOptions, layouts };
  const markdown = renderTuneMarkdown(results);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'tune.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(outDir, 'tune.md'), markdown);
  writeBenchmarksRegion('tune', markdown, { date: results.date, machine: thisMachine(), command: 'npm run bench -- --tune' });
  console.log(markdown);
  log(`wrote ${join(outDir, 'tune.json')} and tune.md`);
}

runCommand(module, main, USAGE);
