import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/** A request built once and sent many times, so the client spends no time encoding during the measurement. */
export interface PreparedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface Response {
  status: number;
  ms: number;
  /** The service's Server-Timing header as stage → milliseconds. */
  serverTiming: Record<string, number>;
  body: string;
}

/** POST /predict with the seed's JSON body: the image as base64. */
export function jsonPredictRequest(model: string, image: Uint8Array): PreparedRequest {
  const body = Buffer.from(JSON.stringify({ model, image: Buffer.from(image).toString('base64') }));
  return { method: 'POST', path: '/predict', headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body };
}

/** POST /predict as multipart/form-data: the model field and the image file. */
export function multipartPredictRequest(model: string, image: Uint8Array, fileName: string, mimeType: string): PreparedRequest {
  const boundary = '----yolov5-bench-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\n${model}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${fileName}"\r\nContent-Type: ${mimeType}\r\n\r\n`),
    image,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { method: 'POST', path: '/predict', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) }, body };
}

export const HEALTH_REQUEST: PreparedRequest = { method: 'GET', path: '/health', headers: {} };

function parseServerTiming(header: string | string[] | undefined): Record<string, number> {
  const stages: Record<string, number> = {};
  for (const entry of String(header ?? '').split(',')) {
    const match = /^\s*([\w-]+).*?dur=([\d.]+)/.exec(entry);
    if (match) stages[match[1]] = Number(match[2]);
  }
  return stages;
}

/** HTTP client with keep-alive connections (as a client in a loop would keep them). */
export class BenchClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(readonly baseUrl: string) {}

  send(prepared: PreparedRequest): Promise<Response> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = request(this.baseUrl + prepared.path, { method: prepared.method, headers: prepared.headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, serverTiming: parseServerTiming(res.headers['server-timing']), body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(prepared.body);
    });
  }

  /** Sends and insists on 200: a benchmark of error answers would measure nothing. */
  async expectOk(prepared: PreparedRequest): Promise<Response> {
    const response = await this.send(prepared);
    if (response.status !== 200) throw new Error(`${prepared.method} ${prepared.path} answered ${response.status}: ${response.body.slice(0, 300)}`);
    return response;
  }

  /** How the service runs a model (GET /models/{name}): its shape policy (rectangular or fixed) and why. */
  async shapePolicy(model: string): Promise<{ policy: string | null; reason: string | null }> {
    const { body } = await this.expectOk({ method: 'GET', path: `/models/${encodeURIComponent(model)}`, headers: {} });
    const { shape_policy, shape_policy_reason } = JSON.parse(body) as { shape_policy: string | null; shape_policy_reason: string | null };
    return { policy: shape_policy, reason: shape_policy_reason };
  }

  close() {
    this.agent.destroy();
  }
}

export interface LoadResult {
  clients: number;
  completed: number;
  elapsedMs: number;
  requestsPerSecond: number;
  latenciesMs: number[];
}

/**
 * `clients` closed-loop clients send `prepared` back to back for `durationMs`; requests started before the end are
 * awaited and counted, and the rate is completions over the time until the last one.
 */
export async function closedLoopLoad(client: BenchClient, prepared: PreparedRequest, clients: number, durationMs: number): Promise<LoadResult> {
  const started = performance.now();
  const end = started + durationMs;
  const latenciesMs: number[] = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) latenciesMs.push((await client.expectOk(prepared)).ms);
    }),
  );
  const elapsedMs = performance.now() - started;
  return { clients, completed: latenciesMs.length, elapsedMs, requestsPerSecond: (latenciesMs.length * 1000) / elapsedMs, latenciesMs };
}

/**
 * Polls GET `path` every `intervalMs` from its own thread (so the load generator's event loop cannot delay the
 * measurement) until stopped; resolves with each answer's latency.
 */
export function pollLatency(url: string, intervalMs: number): { stop: () => Promise<number[]> } {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const http = require('node:http');
    const agent = new http.Agent({ keepAlive: true });
    const latencies = [];
    let running = true;
    parentPort.once('message', () => (running = false));
    const once = () => new Promise((resolve) => {
      const started = performance.now();
      http.get(workerData.url, { agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - started : NaN)); })
        .on('error', () => resolve(NaN));
    });
    (async () => {
      while (running) {
        const next = performance.now() + workerData.intervalMs;
        latencies.push(await once());
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      }
      agent.destroy();
      parentPort.postMessage(latencies);
    })();
    `,
    { eval: true, workerData: { url, intervalMs } },
  );
  const result = new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      const latencies = await result;
      await worker.terminate();
      return latencies;
    },
  };
}
