import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** The service's entry point inside a build (`npm start` runs dist/ + this). */
const ENTRY = 'dist/apps/detector/apps/detector/src/main.js';

/**
 * Builds the service as `npm run build` does and snapshots the build into `into` (with a link to node_modules), so
 * that a colleague rebuilding dist/ in the shared tree meanwhile cannot pull files from under the running service.
 */
export function buildServiceSnapshot(repoRoot: string, into: string): string {
  execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build', 'detector'], { cwd: repoRoot, stdio: 'inherit' });
  mkdirSync(into, { recursive: true });
  cpSync(join(repoRoot, 'dist'), join(into, 'dist'), { recursive: true });
  if (!existsSync(join(into, 'node_modules'))) symlinkSync(join(repoRoot, 'node_modules'), join(into, 'node_modules'), 'dir');
  return join(into, ENTRY);
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface RunningService {
  url: string;
  pid: number;
  /** From spawning the process to GET /health/ready answering 200 (models loaded and warm in every worker). */
  readyMs: number;
  /** Resident memory now and at its peak (VmRSS / VmHWM of the whole process, worker threads included). */
  memory(): { rssBytes: number; peakRssBytes: number };
  output(): string;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  entry: string;
  modelsDir: string;
  /** Extra environment (e.g. WORKER_THREADS, ORT_INTRA_OP_THREADS). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Starts the built service on a free loopback port, offline and quiet, and waits until it is ready. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    MODELS_DIR: options.modelsDir,
    MODELS_AUTO_FETCH: 'false',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [options.entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };

  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode} before it was ready:\n${output}`);
    const status = await fetch(`${url}/health/ready`).then((response) => response.status, () => 0);
    if (status === 200) {
      const readyMs = performance.now() - started;
      const pid = child.pid!;
      return {
        url,
        pid,
        readyMs,
        memory: () => ({ rssBytes: procStatusBytes(pid, 'VmRSS'), peakRssBytes: procStatusBytes(pid, 'VmHWM') }),
        output: () => output,
        stop,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`the service was not ready within ${options.timeoutMs ?? 180_000} ms:\n${output}`);
}
