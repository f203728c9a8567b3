import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startService } from '../../../detector/test/support/service';
import { BenchClient, jsonPredictRequest } from './http-load';
import { SERVICE_START_TIMEOUT_MS } from './service-process';
import { summarize } from './stats';

export interface Int8Twins {
  name: string;
  float: string;
  int8: string;
}

export interface EndToEndRow {
  model: string;
  threads: number;
  /** Median POST /predict round trip (client side: upload, decode, letterbox, inference, NMS, answer). */
  fp32Ms: number;
  int8Ms: number;
  /** The same requests' `inference` stage (the service's Server-Timing header). */
  fp32InferenceMs: number;
  int8InferenceMs: number;
  /** Median FP32 time over median INT8 time. */
  speedUp: number;
  /** Median of the per-round ratios (each round sends both back to back). */
  roundSpeedUp: number;
  rounds: number;
}

const WARM_UP_REQUESTS = 3;

/**
 * FP32 against INT8 through the running service: one service per intra-op thread count, serving both files of a
 * model (symlinked into one models folder as `<name>` and `<name>-int8`, one runner each), and sequential JSON
 * POST /predict of one photo, the two models alternating within each round and swapping who goes first.
 */
export async function measureEndToEnd(options: {
  twins: Int8Twins;
  entry: string;
  scratch: string;
  threadCounts: readonly number[];
  rounds: number;
  photo: Uint8Array;
  log: (message: string) => void;
}): Promise<EndToEndRow[]> {
  const { twins, threadCounts, rounds, log } = options;
  const modelsDir = join(options.scratch, `served-${twins.name}`);
  mkdirSync(modelsDir, { recursive: true });
  symlinkSync(twins.float, join(modelsDir, `${twins.name}.onnx`));
  symlinkSync(twins.int8, join(modelsDir, `${twins.name}-int8.onnx`));
  const requests = { fp32: jsonPredictRequest(twins.name, options.photo), int8: jsonPredictRequest(`${twins.name}-int8`, options.photo) };
  const rows: EndToEndRow[] = [];
  for (const threads of threadCounts) {
    const service = await startService({
      entry: options.entry,
      env: { MODELS_DIR: modelsDir, WORKER_THREADS: '1', ORT_INTRA_OP_THREADS: String(threads), MODELS_LOADING: 'eager', LOG_LEVEL: 'warn' },
      timeoutMs: SERVICE_START_TIMEOUT_MS,
    });
    const client = new BenchClient(service.url);
    try {
      for (let i = 0; i < WARM_UP_REQUESTS; i++) for (const prepared of Object.values(requests)) await client.expectOk(prepared);
      const times = { fp32: [] as number[], int8: [] as number[] };
      const inference = { fp32: [] as number[], int8: [] as number[] };
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['fp32', 'int8'] as const) : (['int8', 'fp32'] as const);
        for (const variant of order) {
          const response = await client.expectOk(requests[variant]);
          times[variant].push(response.ms);
          inference[variant].push(response.serverTiming.inference ?? Number.NaN);
        }
        ratios.push(times.fp32[round] / times.int8[round]);
      }
      const fp32Ms = summarize(times.fp32).median;
      const int8Ms = summarize(times.int8).median;
      rows.push({
        model: twins.name,
        threads,
        fp32Ms,
        int8Ms,
        fp32InferenceMs: summarize(inference.fp32).median,
        int8InferenceMs: summarize(inference.int8).median,
        speedUp: fp32Ms / int8Ms,
        roundSpeedUp: summarize(ratios).median,
        rounds,
      });
      log(`${twins.name} through POST /predict, ${threads} thread(s): FP32 ${fp32Ms.toFixed(1)} ms, INT8 ${int8Ms.toFixed(1)} ms, ×${(fp32Ms / int8Ms).toFixed(2)}`);
    } finally {
      client.close();
      await service.stop();
    }
  }
  return rows;
}
