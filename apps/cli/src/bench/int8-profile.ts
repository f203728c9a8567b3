import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { releaseOutputs } from '@app/vision';

/** Milliseconds per run spent in each kernel (ONNX Runtime's op names after its graph rewrites, e.g. QLinearConv). */
export type KernelTimes = Record<string, number>;

export interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

/** Sums the profiler's per-node kernel times by kernel over the runs after the first (a warm-up), per run. */
export function kernelTimes(events: readonly ProfileEvent[]): KernelTimes {
  const runStarts = events.filter((event) => event.cat === 'Session' && event.name === 'model_run').map((event) => event.ts).sort((a, b) => a - b);
  if (runStarts.length < 2) throw new Error('the profile needs a warm-up run and at least one more');
  const measuredFrom = runStarts[1];
  const times: KernelTimes = {};
  for (const event of events) {
    const op = event.args?.op_name;
    if (event.cat !== 'Node' || !event.name.endsWith('_kernel_time') || !op || event.ts < measuredFrom) continue;
    times[op] = (times[op] ?? 0) + event.dur / 1000 / (runStarts.length - 1);
  }
  return times;
}

/** One warm-up and `runs` runs with ONNX Runtime's profiler on; the trace file is read and removed. */
export async function profileKernels(file: string, options: InferenceSession.SessionOptions, input: Tensor, directory: string, runs: number): Promise<KernelTimes> {
  const prefix = `profile-${process.pid}-${Date.now()}`;
  const session = await InferenceSession.create(file, { ...options, enableProfiling: true, profileFilePrefix: join(directory, prefix) });
  try {
    const feeds = { [session.inputNames[0]]: input };
    for (let run = 0; run <= runs; run++) {
      releaseOutputs(await session.run(feeds));
    }
  } finally {
    await session.release(); // ends profiling and writes the trace
  }
  const trace = readdirSync(directory).find((name) => name.startsWith(prefix));
  if (!trace) throw new Error(`ONNX Runtime wrote no profile for ${file}`);
  const events = JSON.parse(readFileSync(join(directory, trace), 'utf8')) as ProfileEvent[];
  rmSync(join(directory, trace));
  return kernelTimes(events);
}
