import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import WebSocket from 'ws';
import { generateModelFiles, Yolov5Model } from '@app/onnx-writer';
import { dynamicInputSize, InputSize } from '@app/vision';
import { detectorSessionOptions, loadYoloModel } from '@app/vision/runtime';
import { startService } from '../../../detector/test/support/service';
import { thisMachine, writeBenchmarksRegion } from './benchmarks-doc';
import { readyTensor, shapeKey, timeBareRun } from './in-process';
import { buildServiceSnapshot, SERVICE_START_TIMEOUT_MS } from './service-process';
import { summarize } from './stats';

/** The sizes the issue asks for: the default and the fastest the page offers. */
const SIZES: readonly number[] = [640, 320];
const BARE_RUNS = 8;

/** How many frames the page's live mode keeps unanswered (live.js's MAX_IN_FLIGHT), read so that the two cannot drift. */
export function pageFramesInFlight(liveScript: string): number {
  const match = /const MAX_IN_FLIGHT = (\d+);/.exec(liveScript);
  if (!match) throw new Error('live.js no longer declares MAX_IN_FLIGHT: the stream bench cannot send frames as the page does');
  return Number(match[1]);
}

export interface StreamBenchOptions {
  repoRoot: string;
  scratch: string;
  /** yolov5s/m/l (random weights, real architecture); the real yolov5n is always measured when ../shared has it. */
  models: readonly Yolov5Model[];
  rounds: number;
  seconds: number;
  intraOpThreads: number;
  outDir: string;
  log: (message: string) => void;
}

interface StreamCase {
  /** What the table calls it and the service serves it as: yolov5n (real weights) or yolov5s/m/l. */
  model: string;
  file: string;
  size: number;
  streams: number;
  /** Frames each stream keeps unanswered: 1 is lockstep (the least latency), the page's live mode keeps more. */
  inFlight: number;
}

export interface StreamRow {
  model: string;
  size: number;
  streams: number;
  inFlight: number;
  /** The tensor the model ran at for the 4:3 camera frame. */
  input: string;
  bareMs: number;
  /** Median inference time the service reported for the same frames (its workers run at nice 10: on a busy machine slower than bare). */
  inferenceMs: number;
  /** Frames answered per second, per stream. */
  fpsPerStream: number;
  latencyP50: number;
  latencyP95: number;
  frames: number;
}

/** A camera-like frame: a 4:3 JPEG whose longest side is the input size, as the page's live mode sends. */
async function cameraFrame(photo: string, size: number): Promise<Buffer> {
  return sharp(photo).resize(size, Math.round((size * 3) / 4), { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
}

/**
 * One client for `seconds` that keeps `inFlight` frames unanswered: with 1 it sends a frame, waits for its answer and
 * sends the next (lockstep: the least latency one stream can have, since the server runs a stream's frames one at a
 * time); with 2, as the page does, the next frame already waits at the server while one runs. Latency is from send to
 * answer received.
 */
async function runStream(url: string, model: string, size: number, frame: Buffer, seconds: number, inFlight: number): Promise<{ latencies: number[]; inference: number[] }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/stream?model=${model}&input_size=${size}`);
  const latencies: number[] = [];
  const inference: number[] = [];
  await new Promise<void>((resolveDone, reject) => {
    // The server numbers binary messages 1, 2, 3… in arrival order; one socket keeps the order.
    const sentAt = new Map<number, number>();
    let sent = 0;
    let ready = false;
    const deadline = performance.now() + seconds * 1000;
    const send = () => {
      sentAt.set(++sent, performance.now());
      socket.send(frame);
    };
    socket.on('message', (data) => {
      const { event, data: body } = JSON.parse(data.toString()) as { event: string; data: { frame?: number; message?: string; timings?: { inference: number } } };
      if (event === 'settings' && !ready) {
        ready = true;
        for (let i = 0; i < inFlight; i++) send();
        return;
      }
      if (event === 'error') return reject(new Error(`stream error: ${body.message}`));
      if (event !== 'detections' && event !== 'dropped') return;
      // A dropped frame frees its place as an answer does (as the page counts them), without a latency.
      if (event === 'detections') {
        latencies.push(performance.now() - sentAt.get(body.frame!)!);
        inference.push(body.timings!.inference);
      }
      sentAt.delete(body.frame!);
      if (performance.now() < deadline) send();
      else if (sentAt.size === 0) socket.close();
    });
    socket.on('close', () => resolveDone());
    socket.on('error', reject);
  });
  return { latencies, inference };
}

/** Median of BARE_RUNS session runs of the model file at `input`, in this process, as a worker runs it. */
async function bareInferenceMs(file: string, input: InputSize, intraOpThreads: number): Promise<number> {
  const model = await loadYoloModel(file, detectorSessionOptions(intraOpThreads));
  const tensor = readyTensor(input);
  await timeBareRun(model.session, tensor); // warm-up
  const runs: number[] = [];
  for (let i = 0; i < BARE_RUNS; i++) runs.push(await timeBareRun(model.session, tensor));
  await model.session.release();
  return summarize(runs).median;
}

/**
 * `npm run bench -- --streams`: frames per second and end-to-end latency of live streams (/stream) for the real
 * yolov5n and yolov5s/m/l at 640 and 320 — one lockstep stream, one stream sending as the page does, two lockstep
 * streams — against bare inference of the same tensor measured in the same round. The models are static 640x640
 * exports, as a default install serves them (rewritten at load to run at the frame's rectangle). Writes streams.json
 * and streams.md.
 */
export async function runStreamBench(options: StreamBenchOptions): Promise<StreamRow[]> {
  const { repoRoot, scratch, models, rounds, seconds, intraOpThreads, outDir, log } = options;
  const photo = resolve(repoRoot, '../shared/corpus/photos/bus.jpg');
  const realYolov5n = resolve(repoRoot, '../shared/models/yolov5n.onnx');
  const pageInFlight = pageFramesInFlight(readFileSync(resolve(repoRoot, 'apps/detector/src/web/public/live.js'), 'utf8'));
  log(`generating ${models.join(', ')} (static 640x640, the official export's head) into ${scratch}`);
  const generatedDir = join(scratch, 'models-static');
  await generateModelFiles({ outDir: generatedDir, models, dynamic: false });
  // The real yolov5n, under its own name, in a service of its own: the random-weight models' service holds s/m/l only.
  const realDir = join(scratch, 'models-real');
  mkdirSync(realDir, { recursive: true });
  symlinkSync(realYolov5n, join(realDir, 'yolov5n.onnx'));
  const entry = buildServiceSnapshot(repoRoot, join(scratch, 'service'));
  const frames = new Map(await Promise.all(SIZES.map(async (size) => [size, await cameraFrame(photo, size)] as const)));

  const groups: { dir: string; cases: StreamCase[] }[] = [
    { dir: realDir, cases: cases('yolov5n', realYolov5n, pageInFlight) },
    { dir: generatedDir, cases: models.flatMap((model) => cases(model, join(generatedDir, `${model}.onnx`), pageInFlight)) },
  ].filter((group) => group.cases.length > 0); // `--models yolov5n` generates none
  const latencies = new Map<string, number[]>();
  const served = new Map<string, number[]>();
  const bare = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, values: number[]) => map.set(key, [...(map.get(key) ?? []), ...values]);
  for (const group of groups) {
    log(`starting the service with ${group.cases.map((c) => c.model).filter((model, i, all) => all.indexOf(model) === i).join(', ')}`);
    const service = await startService({ entry, env: { MODELS_DIR: group.dir, STREAM_MAX_MESSAGES_PER_SECOND: '1000' }, timeoutMs: SERVICE_START_TIMEOUT_MS });
    try {
      // Rounds interleave every case, so a slow spell of the shared machine spreads over all of them.
      for (let round = 0; round <= rounds; round++) {
        for (const item of group.cases) {
          const key = caseKey(item);
          const input = inputOf(item.size);
          const bareMs = await bareInferenceMs(item.file, input, intraOpThreads);
          const runs = await Promise.all(Array.from({ length: item.streams }, () => runStream(service.url, item.model, item.size, frames.get(item.size)!, seconds, item.inFlight)));
          if (round === 0) continue; // warm-up: each worker loads its session buffers for this size
          push(bare, key, [bareMs]);
          push(latencies, key, runs.flatMap((run) => run.latencies));
          push(served, key, runs.flatMap((run) => run.inference));
          log(`round ${round} ${key}: bare ${bareMs.toFixed(1)} ms, ${latencies.get(key)!.length} frames so far`);
        }
      }
    } finally {
      await service.stop();
    }
  }

  const rows = groups.flatMap((group) => group.cases).map((item): StreamRow => {
    const key = caseKey(item);
    const samples = latencies.get(key)!;
    const latency = summarize(samples);
    return {
      model: item.model,
      size: item.size,
      streams: item.streams,
      inFlight: item.inFlight,
      input: shapeKey(inputOf(item.size)),
      bareMs: summarize(bare.get(key)!).median,
      inferenceMs: summarize(served.get(key)!).median,
      fpsPerStream: samples.length / item.streams / (rounds * seconds),
      latencyP50: latency.median,
      latencyP95: latency.p95,
      frames: samples.length,
    };
  });
  const markdown = renderStreamMarkdown(rows, { rounds, seconds, load: loadavg() });
  process.stdout.write(`\n${markdown}\n`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'streams.json'), JSON.stringify({ rounds, seconds, rows }, null, 2) + '\n');
  writeFileSync(join(outDir, 'streams.md'), markdown);
  writeBenchmarksRegion('streams', markdown, { date: new Date().toISOString().slice(0, 10), machine: thisMachine(), command: 'npm run bench -- --streams' });
  return rows;
}

/** Per size: one lockstep stream, one stream as the page sends, two lockstep streams sharing the model. */
function cases(model: string, file: string, pageInFlight: number): StreamCase[] {
  return SIZES.flatMap((size) => [
    { model, file, size, streams: 1, inFlight: 1 },
    { model, file, size, streams: 1, inFlight: pageInFlight },
    { model, file, size, streams: 2, inFlight: 1 },
  ]);
}

const caseKey = (item: StreamCase) => `${item.model} ${item.size} ×${item.streams} in flight ${item.inFlight}`;

/** The tensor a dynamic model runs a 4:3 frame at, at this input size (AutoShape's stride-multiple rectangle). */
const inputOf = (size: number): InputSize => dynamicInputSize({ width: size, height: Math.round((size * 3) / 4) }, size, 32);

/**
 * The targets for one row (one stream only): frame rate as the page streams (more than one frame in flight),
 * latency in lockstep. Inference is the service's own for the same frames: the bare run in this process at normal
 * priority says what the machine can do, the service's what its workers got.
 */
function targetsOf(row: StreamRow): string {
  if (row.streams !== 1) return '';
  const ms = row.inferenceMs;
  const checks: string[] = [];
  if (row.inFlight > 1) {
    checks.push(`fps ≥ 0.8 × 1000/inference (${((0.8 * 1000) / ms).toFixed(1)}): ${row.fpsPerStream >= (0.8 * 1000) / ms ? 'met' : 'missed'}`);
    const absolute = row.model === 'yolov5n' && row.size === 320 ? 30 : row.model === 'yolov5s' && row.size === 640 ? 10 : null;
    if (absolute) checks.push(`≥ ${absolute} fps: ${row.fpsPerStream >= absolute ? 'met' : 'missed'}`);
  } else checks.push(`p50 ≤ 1.5 × inference + 10 (${(1.5 * ms + 10).toFixed(0)} ms): ${row.latencyP50 <= 1.5 * ms + 10 ? 'met' : 'missed'}`);
  return checks.join('; ');
}

export function renderStreamMarkdown(rows: readonly StreamRow[], run: { rounds: number; seconds: number; load: number[] }): string {
  const lines = [
    `Live streams (/stream) on loopback, static 640x640 exports rewritten at load (as a default install serves them), a 4:3 JPEG of bus.jpg at the input size; clients keep 1 frame in flight (lockstep: send, wait for the answer, send the next) or as many as the page does; ${run.rounds} interleaved rounds of ${run.seconds} s per case; load average at the end ${run.load.map((value) => value.toFixed(1)).join(' ')}.`,
    '',
    '| model | size | streams | frames in flight | input | bare run ms | inference in the service ms | fps per stream | fps × inference / 1000 | latency p50 ms | latency p95 ms | p50 / inference | targets (one stream) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.model} | ${row.size} | ${row.streams} | ${row.inFlight} | ${row.input} | ${row.bareMs.toFixed(1)} | ${row.inferenceMs.toFixed(1)} | ${row.fpsPerStream.toFixed(1)} | ${((row.fpsPerStream * row.inferenceMs) / 1000).toFixed(2)} | ${row.latencyP50.toFixed(1)} | ${row.latencyP95.toFixed(1)} | ${(row.latencyP50 / row.inferenceMs).toFixed(2)} | ${targetsOf(row)} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}
