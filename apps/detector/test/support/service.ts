import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SERVICE_NODE_FLAGS } from '../../src/service-node-flags';
import { REPO_ROOT, SERVICE_ENTRY, STATIC_MODELS_DIR } from './paths';

/** The built service running as its own process: for the e2e tests and for `npm run bench`. */
export interface RunningService {
  url: string;
  port: number;
  process: ChildProcess;
  /** From spawning the process to the awaited probe answering 200. */
  readyMs: number;
  /** Resident memory now and at its peak (VmRSS / VmHWM of the whole process, worker threads included). */
  memory(): { rssBytes: number; peakRssBytes: number };
  /** Everything the service printed so far. */
  output(): string;
  /** Sends the signal (default SIGTERM) and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

export interface StartServiceOptions {
  /** The service's entry point (default: this checkout's build). */
  entry?: string;
  env?: Record<string, string>;
  waitFor?: 'ready' | 'live';
  timeoutMs?: number;
}

/**
 * Starts the built service as its own process on a free loopback port and waits until /health/ready answers 200
 * (or `waitFor: 'live'` for tests about start-up itself). Offline by default (MODELS_AUTO_FETCH=false), quiet logs.
 */
export async function startService(options: StartServiceOptions = {}): Promise<RunningService> {
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', MODELS_DIR: STATIC_MODELS_DIR, MODELS_AUTO_FETCH: 'false', LOG_LEVEL: 'warn', ...options.env };
  const started = performance.now();
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, options.entry ?? SERVICE_ENTRY], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const service: RunningService = {
    url,
    port,
    process: child,
    readyMs: Number.NaN,
    memory: () => ({ rssBytes: procStatusBytes(child.pid!, 'VmRSS'), peakRssBytes: procStatusBytes(child.pid!, 'VmHWM') }),
    output: () => output,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const path = options.waitFor === 'live' ? '/health/live' : '/health/ready';
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited with code ${child.exitCode} before it was ready:\n${output}`);
    const status = await fetch(url + path).then((response) => response.status, () => 0);
    if (status === 200) return { ...service, readyMs: performance.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await service.stop('SIGKILL');
  throw new Error(`service not ready on ${url}${path} within the timeout:\n${output}`);
}
