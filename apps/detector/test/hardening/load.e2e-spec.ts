import { performance } from 'node:perf_hooks';
import { RunningService, startService } from '../support/service';
import { Answer, corpusBytes, eventually, metric, metricSum, predictMultipart, residentBytes, scrape } from '../support/helpers';

const CLIENTS = 12;
const QUEUE_DEPTH = 2;
const DURATION_MS = 6_000;
/** Resident memory rises while allocators and libvips warm up under load, then stays put: compare after that. */
const WARM_UP_MS = 2_000;

/**
 * A bounded load test on loopback: far more concurrent clients than one worker plus a queue of two can hold, for a
 * fixed time. Every request gets exactly one answer, 200 or an immediate 503 with Retry-After; nothing is lost, the
 * health check answers throughout, and memory stays put.
 */
describe(`load: ${CLIENTS} clients against 1 worker and a queue of ${QUEUE_DEPTH}`, () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ env: { LOG_LEVEL: 'error', WORKER_THREADS: '1', QUEUE_DEPTH: String(QUEUE_DEPTH) } });
  });

  afterAll(async () => {
    expect(await service.stop()).toBe(0);
  });

  it('answers every request once with 200 or 503 + Retry-After, loses none, and stays healthy', async () => {
    const image = corpusBytes('photos/sam_dogs.jpg');
    const deadline = performance.now() + DURATION_MS;
    let sent = 0;
    const answers: (Answer | Error)[] = [];
    const clients = Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        sent++;
        answers.push(await predictMultipart(service.url, image).catch((error: Error) => error));
      }
    });
    let rssWarm = 0;
    const warm = new Promise<void>((resolve) => setTimeout(() => void residentBytes(service.url).then((bytes) => (rssWarm = bytes)).finally(resolve), WARM_UP_MS));
    const healthLatencies: number[] = [];
    const healthStatuses: number[] = [];
    const health = (async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        healthStatuses.push(await fetch(`${service.url}/health`).then((response) => response.status, () => 0));
        healthLatencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await Promise.all([...clients, health, warm]);
    const rssEnd = await residentBytes(service.url);

    expect(answers).toHaveLength(sent);
    expect(answers.filter((answer) => answer instanceof Error)).toEqual([]);
    const statuses = (answers as Answer[]).map(({ status }) => status);
    const ok = statuses.filter((status) => status === 200).length;
    const refused = (answers as Answer[]).filter(({ status }) => status === 503);
    expect(ok + refused.length).toBe(sent);
    expect(ok).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.headers.get('retry-after')).toBe('1');
      // Refused before the body was read (every model's queue full) or by the model's own queue.
      expect(answer.body?.detail).toMatch(/^(The service|Model yolov5s) is at capacity: .* 2 request\(s\) .*Retry after 1 s\.$/);
    }

    // The service counted the same: every 503 was a queue_full refusal (most of them before their body was even
    // parsed, hence without a model label), every 200 a completed request.
    const metrics = await scrape(service.url);
    expect(metricSum(metrics, 'detector_refused_requests_total', { reason: 'queue_full' })).toBe(refused.length);
    expect(metricSum(metrics, 'detector_refused_requests_total', { reason: 'queue_full', model: '' })).toBeGreaterThan(0);
    expect(metric(metrics, 'http_requests_total', { route: '/predict', status: '200', model: 'yolov5s' })).toBe(ok);
    expect(metricSum(metrics, 'http_requests_total', { route: '/predict', status: '503' })).toBe(refused.length);
    await eventually(async () => metric(await scrape(service.url), 'detector_queue_depth') === 0);

    // Answered throughout (how fast is the bench's /health p99 figure, not a test's: the machine's speed varies).
    expect(healthStatuses.length).toBeGreaterThan(DURATION_MS / 1000);
    expect(healthStatuses.every((status) => status === 200)).toBe(true);
    // Requests beyond the queue are refused, not buffered: past the warm-up, memory does not grow with the load.
    expect(rssWarm).toBeGreaterThan(0);
    expect(rssEnd - rssWarm).toBeLessThan(100 * 1024 * 1024);
    const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
    process.stdout.write(
      `load: ${sent} requests in ${DURATION_MS} ms, ${ok} x 200, ${refused.length} x 503; /health max ${Math.round(Math.max(...healthLatencies))} ms ` +
        `over ${healthStatuses.length} probes; RSS ${mb(rssWarm)} MB after ${WARM_UP_MS} ms, ${mb(rssEnd)} MB at the end\n`,
    );
  }, 60_000);
});
