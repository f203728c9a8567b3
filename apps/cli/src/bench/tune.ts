import { setTimeout as sleep } from 'node:timers/promises';
import { InferenceSession } from 'onnxruntime-node';
import { detectorSessionOptions } from '@app/vision/runtime';
import { Yolov5Model } from '@app/onnx-writer';
import { BenchClient, closedLoopLoad, jsonPredictRequest, pollLatency } from './http-load';
import { readyTensor, SQUARE, timeBareRun } from './in-process';
import { RunningService, startService } from '../../../detector/test/support/service';
import { SERVICE_START_TIMEOUT_MS } from './service-process';
import { SampleSet, Summary } from './stats';

/**
 * The measurements behind the service's defaults (`npm run bench -- --tune`): ONNX Runtime session options on bare
 * runs, and pool layouts (worker threads × intra-op threads) end to end.
 */

/** Session option variants, each one change from the chosen options. */
export function sessionOptionVariants(intraOpThreads: number): Record<string, InferenceSession.SessionOptions> {
  const chosen = detectorSessionOptions(intraOpThreads);
  return {
    chosen,
    'spinning on': { ...chosen, extra: { session: { intra_op: { allow_spinning: '1' } } } },
    'memory arena off': { ...chosen, enableCpuMemArena: false },
    'memory pattern on': { ...chosen, enableMemPattern: true },
    'optimisation extended': { ...chosen, graphOptimizationLevel: 'extended' },
    'optimisation basic': { ...chosen, graphOptimizationLevel: 'basic' },
    '1 intra-op thread': detectorSessionOptions(1),
  };
}

export interface SessionTuneRow {
  model: Yolov5Model;
  variant: string;
  run: Summary;
  /** Median relative to the chosen options (below 1: faster). */
  relative: number;
}

/**
 * Bare runs at 640x640 for each variant, interleaved, with a pause before each run so that no variant's idle threads
 * are still spinning (or its caches warm) when the next one starts: every run starts as a lone request would.
 */
export async function tuneSessionOptions(files: Record<string, string>, intraOpThreads: number, rounds: number, log: (line: string) => void): Promise<SessionTuneRow[]> {
  const rows: SessionTuneRow[] = [];
  const input = readyTensor(SQUARE);
  for (const [model, file] of Object.entries(files)) {
    const sessions = new Map<string, InferenceSession>();
    for (const [variant, options] of Object.entries(sessionOptionVariants(intraOpThreads))) {
      const session = await InferenceSession.create(file, options);
      await timeBareRun(session, input);
      sessions.set(variant, session);
    }
    const samples = new SampleSet();
    for (let round = 0; round < rounds; round++) {
      for (const [variant, session] of sessions) {
        await sleep(30);
        samples.add(variant, await timeBareRun(session, input));
      }
    }
    const chosen = samples.summary('chosen').median;
    for (const variant of sessions.keys()) {
      const run = samples.summary(variant);
      rows.push({ model: model as Yolov5Model, variant, run, relative: run.median / chosen });
      log(`${model} ${variant}: ${run.median.toFixed(1)} ms`);
    }
    for (const session of sessions.values()) await session.release();
  }
  return rows;
}

export interface LayoutTuneRow {
  layout: string;
  model: string;
  sequential: Summary;
  requestsPerSecond: Summary;
  loadLatency: Summary;
  health: Summary;
}

/** Pool layouts to compare: WORKER_THREADS × ORT_INTRA_OP_THREADS. */
export function poolLayouts(cores: number): Record<string, Record<string, string>> {
  const layout = (workers: number, intra: number) => [`${workers} worker(s) × ${intra} thread(s)`, { WORKER_THREADS: String(workers), ORT_INTRA_OP_THREADS: String(intra) }] as const;
  return Object.fromEntries([layout(1, cores), layout(2, cores), layout(cores, 1), layout(cores + 1, 1)]);
}

/**
 * One service per layout, all started at once (idle ones cost no CPU); in each round every layout in turn gets
 * sequential requests and then a 4-client load with GET /health polled, for each model.
 */
export async function tunePoolLayouts(options: {
  entry: string;
  modelsDir: string;
  models: readonly string[];
  image: Uint8Array;
  layouts: Record<string, Record<string, string>>;
  rounds: number;
  loadMs: number;
  log: (line: string) => void;
}): Promise<LayoutTuneRow[]> {
  const services = new Map<string, RunningService>();
  const clients = new Map<string, BenchClient>();
  try {
    for (const [layout, env] of Object.entries(options.layouts)) {
      const service = await startService({ entry: options.entry, env: { ...env, MODELS_DIR: options.modelsDir }, timeoutMs: SERVICE_START_TIMEOUT_MS });
      services.set(layout, service);
      clients.set(layout, new BenchClient(service.url));
      options.log(`started ${layout} (ready in ${(service.readyMs / 1000).toFixed(1)} s)`);
    }
    const requests = new Map(options.models.map((model) => [model, jsonPredictRequest(model, options.image)]));
    const samples = new SampleSet();
    for (const [layout, client] of clients) for (const request of requests.values()) for (let i = 0; i < 2; i++) await client.expectOk(request);
    for (let round = 0; round < options.rounds; round++) {
      for (const [layout, client] of clients) {
        for (const [model, request] of requests) {
          const key = `${layout} ${model}`;
          for (let i = 0; i < 4; i++) samples.add(`${key} sequential`, (await client.expectOk(request)).ms);
          const poller = pollLatency(`${services.get(layout)!.url}/health`, 25);
          const load = await closedLoopLoad(client, request, 4, options.loadMs);
          for (const latency of await poller.stop()) samples.add(`${key} health`, latency);
          for (const latency of load.latenciesMs) samples.add(`${key} load latency`, latency);
          samples.add(`${key} rps`, load.requestsPerSecond);
        }
      }
      options.log(`layouts round ${round + 1}/${options.rounds}`);
    }
    return [...clients.keys()].flatMap((layout) =>
      options.models.map((model) => {
        const key = `${layout} ${model}`;
        return {
          layout,
          model,
          sequential: samples.summary(`${key} sequential`),
          requestsPerSecond: samples.summary(`${key} rps`),
          loadLatency: samples.summary(`${key} load latency`),
          health: samples.summary(`${key} health`),
        };
      }),
    );
  } finally {
    for (const client of clients.values()) client.close();
    for (const service of services.values()) await service.stop();
  }
}
