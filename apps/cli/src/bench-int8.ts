import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { GENERATED_MODELS, GeneratedModel, generateModelFiles, YOLOV5_MODELS, YOLOV8_MODELS } from '@app/onnx-writer';
import { DEFAULT_PERCENTILE, hostInt8CpuFeatures, QuantizationPlanOptions } from '@app/quantize';
import { detectorSessionOptions } from '@app/vision/runtime';
import { parseCommandLine, parseModelList, positiveIntegerOption, runCommand, UsageError } from './command-line';
import { profileKernels, KernelTimes } from './bench/int8-profile';
import { readyTensor, SQUARE, timeBareRun } from './bench/in-process';
import { EndToEndRow, measureEndToEnd } from './bench/int8-end-to-end';
import { REFERENCE_PHOTO } from './bench/reference';
import { thisMachine, writeBenchmarksRegion } from './bench/benchmarks-doc';
import { buildServiceSnapshot } from './bench/service-process';
import { summarize } from './bench/stats';
import { calibrationPhotos } from '@app/model-store';
import { quantizeFile } from '@app/quantize/runtime';

const REPO_ROOT = resolve(__dirname, '../../..');
const REAL_YOLOV5N = resolve(REPO_ROOT, '../shared/models/yolov5n.onnx');
const COCO128_PHOTOS = resolve(REPO_ROOT, '../shared/datasets/coco128/images');
const END_TO_END_PHOTO = resolve(REPO_ROOT, '../shared/corpus/photos', REFERENCE_PHOTO);
const DEFAULT_MODELS = ['yolov5n', ...YOLOV5_MODELS] as const;
/** YOLOv8 sizes too, for a YOLOv5 / YOLOv8 pair (e.g. --models yolov5s,yolov8s). */
const ALL_MODELS = [...DEFAULT_MODELS, ...YOLOV8_MODELS] as const;
/** The targets: bare INT8 speed-up over FP32. */
const TARGETS: Record<string, number> = { yolov5n: 1.3, yolov5s: 1.6, yolov5l: 2 };
/** Random-weight models only need plausible ranges for a speed measurement: fewer calibration photos. */
const CALIBRATION_PHOTOS = { real: 32, random: 8 };
const PROFILE_RUNS = 3;

const USAGE = `Usage: npm run bench:int8 -- [options]

Quantizes the real yolov5n (../shared/models) and random-weight yolov5s/m/l and yolov8n/s/m/l (generated) into a
temporary folder with the same code as npm run models:quantize, then times bare session.run at 640x640, FP32 against INT8,
interleaved round by round, with 1 and 2 intra-op threads (the service's session options). Then, end to end, it
builds and starts the service on a folder serving both files (<name> and <name>-int8) and times sequential
POST /predict of ${REFERENCE_PHOTO}, FP32 and INT8 alternating, with each thread count. Prints the speed-ups and the
issue's targets; with --profile, also where each model's time goes (ONNX Runtime's profiler, per kernel).
Accuracy is measured separately: npm run bench:accuracy -- --model <name>-int8.onnx.

Options:
  --models LIST   comma-separated from ${ALL_MODELS.join(',')}
                  (default: ${DEFAULT_MODELS.join(',')})
  --rounds N      interleaved rounds (default 10)
  --threads LIST  intra-op thread counts (default 1,2)
  --e2e LIST      models also timed through the service, or "none" (default: yolov5n)
  --e2e-rounds N  interleaved POST /predict rounds (default 20)
  --profile       add a per-kernel profile (1 thread) of each model, FP32 and INT8
  --silu MODE     int8: SiLU as QLinearSigmoid + QLinearMul, as models:quantize makes twins (default);
                  float: SiLU left in float between a Conv's DequantizeLinear and the next QuantizeLinear
  --out DIR       where int8.json and int8.md go (default bench/results)
  --help          show this text`;

const log = (message: string) => process.stderr.write(`[bench:int8] ${message}\n`);

interface ModelFiles {
  name: string;
  float: string;
  int8: string;
  weights: 'real' | 'random';
}

interface SpeedRow {
  model: string;
  threads: number;
  fp32Ms: number;
  int8Ms: number;
  /** Median FP32 time over median INT8 time. */
  speedUp: number;
  /** Median of the per-round ratios (each round runs both back to back). */
  roundSpeedUp: number;
  rounds: number;
}

async function prepareModels(names: readonly string[], scratch: string, plan: QuantizationPlanOptions): Promise<ModelFiles[]> {
  const generated = names.filter((name): name is GeneratedModel => (GENERATED_MODELS as readonly string[]).includes(name));
  if (generated.length > 0) {
    log(`generating ${generated.join(', ')} (random weights) into ${scratch}`);
    await generateModelFiles({ outDir: scratch, models: generated });
  }
  const files: ModelFiles[] = [];
  for (const name of names) {
    const weights = name === 'yolov5n' ? 'real' : 'random';
    const float = weights === 'real' ? REAL_YOLOV5N : join(scratch, `${name}.onnx`);
    const int8 = join(scratch, `${name}-int8.onnx`);
    const photos = calibrationPhotos(COCO128_PHOTOS, CALIBRATION_PHOTOS[weights]);
    const started = performance.now();
    // No agreement check here: the bench measures accuracy on its own.
    await quantizeFile({ file: float, out: int8, photos, checkPhotos: [], checkHeldOut: false, percentile: DEFAULT_PERCENTILE, intraOpThreads: 2, plan });
    log(`quantized ${name} (${photos.length} calibration photos) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    files.push({ name, float, int8, weights });
  }
  return files;
}

async function measureSpeed(model: ModelFiles, threadCounts: readonly number[], rounds: number): Promise<SpeedRow[]> {
  const input = readyTensor(SQUARE);
  const rows: SpeedRow[] = [];
  for (const threads of threadCounts) {
    const options = detectorSessionOptions(threads);
    const fp32 = await InferenceSession.create(model.float, options);
    const int8 = await InferenceSession.create(model.int8, options);
    try {
      await timeBareRun(fp32, input);
      await timeBareRun(int8, input);
      const fp32Times: number[] = [];
      const int8Times: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        // Alternate which goes first, so a drift in the machine's speed does not favour one.
        const [a, b] = round % 2 === 0 ? [fp32, int8] : [int8, fp32];
        const first = await timeBareRun(a, input);
        const second = await timeBareRun(b, input);
        const [fp32Ms, int8Ms] = round % 2 === 0 ? [first, second] : [second, first];
        fp32Times.push(fp32Ms);
        int8Times.push(int8Ms);
        ratios.push(fp32Ms / int8Ms);
      }
      const fp32Ms = summarize(fp32Times).median;
      const int8Ms = summarize(int8Times).median;
      rows.push({ model: model.name, threads, fp32Ms, int8Ms, speedUp: fp32Ms / int8Ms, roundSpeedUp: summarize(ratios).median, rounds });
      log(`${model.name}, ${threads} thread(s): FP32 ${fp32Ms.toFixed(1)} ms, INT8 ${int8Ms.toFixed(1)} ms, ×${(fp32Ms / int8Ms).toFixed(2)}`);
    } finally {
      await fp32.release();
      await int8.release();
    }
  }
  return rows;
}

function renderEndToEnd(rows: EndToEndRow[]): string[] {
  if (rows.length === 0) return [];
  return [
    '',
    `End to end: sequential JSON POST /predict of ${REFERENCE_PHOTO} (810×1080) to the service serving both, one runner each, FP32 and INT8 alternating; ` +
      'client-side round trip, and in brackets the `inference` stage of the Server-Timing header:',
    '',
    '| model | threads | FP32 ms | INT8 ms | speed-up (medians) | speed-up (median of rounds) | rounds |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.model} | ${row.threads} | ${row.fp32Ms.toFixed(1)} (${row.fp32InferenceMs.toFixed(1)}) | ${row.int8Ms.toFixed(1)} (${row.int8InferenceMs.toFixed(1)}) | ` +
        `${row.speedUp.toFixed(2)}× (inference ${(row.fp32InferenceMs / row.int8InferenceMs).toFixed(2)}×) | ${row.roundSpeedUp.toFixed(2)}× | ${row.rounds} |`,
    ),
  ];
}

function renderMarkdown(rows: SpeedRow[], endToEnd: EndToEndRow[], profiles: Record<string, { fp32: KernelTimes; int8: KernelTimes }>, header: string): string {
  const lines = [
    header,
    '',
    '| model | threads | FP32 ms | INT8 ms | speed-up (medians) | speed-up (median of rounds) | target |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => {
      const target = TARGETS[row.model];
      const verdict = target === undefined ? '–' : `≥ ${target}× ${row.speedUp >= target ? 'met' : 'missed'}`;
      return `| ${row.model} | ${row.threads} | ${row.fp32Ms.toFixed(1)} | ${row.int8Ms.toFixed(1)} | ${row.speedUp.toFixed(2)}× | ${row.roundSpeedUp.toFixed(2)}× | ${verdict} |`;
    }),
    ...renderEndToEnd(endToEnd),
  ];
  for (const [model, { fp32, int8 }] of Object.entries(profiles)) {
    const total = (times: KernelTimes) => Object.values(times).reduce((sum, ms) => sum + ms, 0);
    const top = (times: KernelTimes) => Object.entries(times).sort((a, b) => b[1] - a[1]).slice(0, 8);
    lines.push('', `Kernel time per run, ${model}, 1 thread (ONNX Runtime profiler; FP32 ${total(fp32).toFixed(1)} ms, INT8 ${total(int8).toFixed(1)} ms):`, '');
    lines.push('| FP32 kernel | ms | INT8 kernel | ms |', '| --- | --- | --- | --- |');
    const [a, b] = [top(fp32), top(int8)];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      lines.push(`| ${a[i]?.[0] ?? ''} | ${a[i]?.[1].toFixed(1) ?? ''} | ${b[i]?.[0] ?? ''} | ${b[i]?.[1].toFixed(1) ?? ''} |`);
    }
  }
  return lines.join('\n') + '\n';
}

function threadList(text: string | undefined): number[] {
  if (text === undefined) return [1, 2];
  return text.split(',').map((part) => positiveIntegerOption('threads', part, 1));
}

async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const values = parseCommandLine(argv, {
    models: { type: 'string' },
    rounds: { type: 'string' },
    threads: { type: 'string' },
    profile: { type: 'boolean' },
    silu: { type: 'string' },
    e2e: { type: 'string' },
    'e2e-rounds': { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const names = parseModelList(values.models, ALL_MODELS, DEFAULT_MODELS);
  const rounds = positiveIntegerOption('rounds', values.rounds, 10);
  const threadCounts = threadList(values.threads);
  const endToEndNames = values.e2e === 'none' ? [] : parseModelList(values.e2e, names, names.includes('yolov5n') ? ['yolov5n'] : []);
  const endToEndRounds = positiveIntegerOption('e2e-rounds', values['e2e-rounds'], 20);
  const silu = values.silu ?? 'int8';
  if (silu !== 'int8' && silu !== 'float') throw new UsageError(`--silu must be int8 or float, got "${silu}"`);
  const outDir = resolve(values.out ?? join(REPO_ROOT, 'bench/results'));
  const features = hostInt8CpuFeatures();
  log(features.summary);
  const loadAtStart = loadavg()[0];

  const scratch = mkdtempSync(join(tmpdir(), 'yolov5-int8-bench-'));
  try {
    const models = await prepareModels(names, scratch, { siluInFloat: silu === 'float' });
    const rows: SpeedRow[] = [];
    const profiles: Record<string, { fp32: KernelTimes; int8: KernelTimes }> = {};
    for (const model of models) {
      rows.push(...(await measureSpeed(model, threadCounts, rounds)));
      if (values.profile) {
        const options = detectorSessionOptions(1);
        const input = readyTensor(SQUARE);
        profiles[model.name] = {
          fp32: await profileKernels(model.float, options, input, scratch, PROFILE_RUNS),
          int8: await profileKernels(model.int8, options, input, scratch, PROFILE_RUNS),
        };
      }
    }
    const endToEnd: EndToEndRow[] = [];
    if (endToEndNames.length > 0) {
      log('building the service (npm run build) and snapshotting dist/');
      const entry = buildServiceSnapshot(REPO_ROOT, join(scratch, 'service'));
      const photo = readFileSync(END_TO_END_PHOTO);
      for (const model of models.filter((files) => endToEndNames.includes(files.name))) {
        endToEnd.push(...(await measureEndToEnd({ twins: model, entry, scratch, threadCounts, rounds: endToEndRounds, photo, log })));
      }
    }
    const load = `load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`;
    const header =
      `## INT8 vs FP32, bare session.run at 640x640 (${new Date().toISOString().slice(0, 10)})\n\n` +
      `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores (${load}); ${features.summary}. FP32 and INT8 alternate within each of ${rounds} rounds ` +
      `(the machine is shared: compare the ratios, not the times). yolov5n has real weights (${basename(REAL_YOLOV5N)}, 32 calibration photos); ` +
      `the others random weights (8 calibration photos)${silu === 'float' ? '; SiLU left in float (--silu float)' : ''}.`;
    const markdown = renderMarkdown(rows, endToEnd, profiles, header);
    console.log(markdown);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'int8.json'), JSON.stringify({ cpu: features, load: { start: loadAtStart, end: loadavg()[0] }, rows, endToEnd, profiles }, null, 2));
    writeFileSync(join(outDir, 'int8.md'), markdown);
    log(`wrote ${join(outDir, 'int8.json')} and int8.md`);
    log(`updated ${writeBenchmarksRegion('int8', markdown, { date: new Date().toISOString().slice(0, 10), machine: thisMachine(), command: 'npm run bench:int8' })}`);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

runCommand(module, main, USAGE);
