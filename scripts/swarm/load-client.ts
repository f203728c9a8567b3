/**
 * The client side of `npm run test:swarm`: a steady, bounded stream of POST /predict requests to a loopback URL,
 * retrying a 503 after its Retry-After as a well-behaved client does, and recording every attempt.
 *
 *   ts-node --transpile-only scripts/swarm/load-client.ts --url http://127.0.0.1:18090/predict --body predict.json \
 *     --rate 3 --max-in-flight 12 --max-seconds 300 --attempts attempts.jsonl --summary summary.json
 *
 * Runs until SIGINT or SIGTERM (or --max-seconds), then waits for the requests in flight and writes the summary.
 * With --closed-loop N it keeps N requests in flight instead (a throughput measurement) for --max-seconds.
 * Connection errors and any status other than 200 or 503 are final: the stream's claim is that none occur.
 */
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    body: { type: 'string' },
    rate: { type: 'string', default: '3' },
    'max-in-flight': { type: 'string', default: '12' },
    'closed-loop': { type: 'string' },
    'max-seconds': { type: 'string', default: '300' },
    'max-retries': { type: 'string', default: '8' },
    attempts: { type: 'string' },
    summary: { type: 'string' },
  },
});

const url = options.url ?? '';
const host = URL.canParse(url) ? new URL(url).hostname : '';
if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) throw new Error(`--url must be a loopback URL, got '${url}'`);
if (!options.body) throw new Error('--body FILE (the JSON request body) is required');
const body = readFileSync(options.body);
const rate = Number(options.rate);
const maxInFlight = Number(options['max-in-flight']);
const closedLoop = options['closed-loop'] === undefined ? 0 : Number(options['closed-loop']);
const maxSeconds = Number(options['max-seconds']);
const maxRetries = Number(options['max-retries']);
const RETRY_DELAY_CAP_SECONDS = 8;
const ATTEMPT_TIMEOUT_MS = 60_000;

interface Attempt {
  request: number;
  attempt: number;
  startedAt: number; // epoch ms
  ms: number;
  status: number | 'network-error';
  servedBy: string | null; // HAProxy's X-Served-By: the replica's address
  detail?: string;
}

const attemptLog = options.attempts ? createWriteStream(options.attempts) : null;
const finalStatuses = new Map<string, number>();
const attemptStatuses = new Map<string, number>();
const servedBy = new Map<string, number>();
const latencies: number[] = [];
let sent = 0;
let retries = 0;
let skippedTicks = 0;
let inFlight = 0;
let stopping = false;

const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

async function attemptOnce(request: number, attempt: number): Promise<{ status: Attempt['status']; retryAfter: number }> {
  const startedAt = Date.now();
  let record: Attempt;
  let retryAfter = 0;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': `load-${request}-${attempt}` },
      body,
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    const text = await response.text();
    retryAfter = Number(response.headers.get('retry-after') ?? 'NaN');
    record = { request, attempt, startedAt, ms: Date.now() - startedAt, status: response.status, servedBy: response.headers.get('x-served-by') };
    if (response.status !== 200) record.detail = text.slice(0, 300);
    if (response.status === 200) bump(servedBy, record.servedBy ?? 'unknown');
  } catch (error) {
    record = { request, attempt, startedAt, ms: Date.now() - startedAt, status: 'network-error', servedBy: null, detail: String(error) };
  }
  bump(attemptStatuses, String(record.status));
  attemptLog?.write(`${JSON.stringify(record)}\n`);
  return { status: record.status, retryAfter };
}

/** One logical request: retried after Retry-After (backing off) while the answer is 503, up to maxRetries times. */
async function send(request: number) {
  const startedAt = Date.now();
  inFlight++;
  try {
    for (let attempt = 0; ; attempt++) {
      const { status, retryAfter } = await attemptOnce(request, attempt);
      const retryable = status === 503 && Number.isFinite(retryAfter) && attempt < maxRetries;
      if (!retryable) {
        bump(finalStatuses, String(status));
        if (status === 200) latencies.push(Date.now() - startedAt);
        return;
      }
      retries++;
      // Retry-After at first, doubling while the answer stays 503 (1, 2, 4, 8, 8 ... s for Retry-After: 1).
      await sleep(Math.min(retryAfter * 2 ** attempt, RETRY_DELAY_CAP_SECONDS) * 1000);
    }
  } finally {
    inFlight--;
  }
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null);

async function main() {
  const started = Date.now();
  const deadline = started + maxSeconds * 1000;
  const pending = new Set<Promise<void>>();
  const launch = () => {
    const promise = send(++sent).finally(() => pending.delete(promise));
    pending.add(promise);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (stopping = true));
  if (closedLoop > 0) {
    while (!stopping && Date.now() < deadline) {
      while (inFlight < closedLoop) launch();
      await Promise.race(pending);
    }
  } else {
    // Open loop at a fixed rate; a tick with maxInFlight requests already waiting is skipped (the stream is bounded).
    const interval = 1000 / rate;
    for (let tick = 0; !stopping && Date.now() < deadline; tick++) {
      if (inFlight < maxInFlight) launch();
      else skippedTicks++;
      await sleep(Math.max(0, started + (tick + 1) * interval - Date.now()));
    }
  }
  await Promise.all(pending);
  const seconds = (Date.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const summary = {
    seconds: Number(seconds.toFixed(1)),
    sent,
    answeredPerSecond: Number(((finalStatuses.get('200') ?? 0) / seconds).toFixed(2)),
    finalStatuses: Object.fromEntries(finalStatuses),
    attemptStatuses: Object.fromEntries(attemptStatuses),
    retries,
    skippedTicks,
    latencyMs: { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), max: sorted.at(-1) ?? null },
    servedBy: Object.fromEntries(servedBy),
  };
  attemptLog?.end();
  const json = JSON.stringify(summary);
  if (options.summary) writeFileSync(options.summary, json);
  console.log(json);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
