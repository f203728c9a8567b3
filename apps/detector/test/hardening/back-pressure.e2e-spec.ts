import { RunningService, startService } from '../support/service';
import { bmpImage, corpusBytes, eventually, metric, predictMultipart, scrape } from '../support/helpers';

/** 24 megapixels of BMP: jimp takes ~0.5 s to decode it, a window in which to time out or hang up. */
const slowImage = bmpImage(6000, 4000);
const smallImage = corpusBytes('odd/jpeg/pillow_hopper.jpg');

const metricOf = async (service: RunningService, name: string, labels: Record<string, string> = {}) => metric(await scrape(service.url), name, labels) ?? 0;
const expectMetric = (service: RunningService, name: string, labels: Record<string, string>, value: number) =>
  eventually(async () => (await metricOf(service, name, labels)) === value);

describe('cancelling work nobody waits for', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ env: { LOG_LEVEL: 'warn', WORKER_THREADS: '1', BODY_LIMIT_MB: '100' } });
  });

  afterAll(async () => {
    expect(await service.stop()).toBe(0);
  });

  it('a client that hangs up while its task is on a worker has it dropped before inference; the worker lives on', async () => {
    const client = new AbortController();
    const request = predictMultipart(service.url, slowImage, { model: 'yolov5s' }, client.signal).catch((error: Error) => error.name);
    await expectMetric(service, 'detector_workers_busy', {}, 1);
    client.abort();
    expect(await request).toBe('AbortError');

    // Whether the worker sees the flag before decoding or between decoding and inference depends on thread timing.
    const abandoned = async (stage: string) => metricOf(service, 'detector_abandoned_tasks_total', { model: 'yolov5s', stage });
    await eventually(async () => (await abandoned('decode')) + (await abandoned('inference')) === 1);
    await expectMetric(service, 'detector_workers_busy', {}, 0);
    expect(await metricOf(service, 'detector_refused_requests_total', { reason: 'client_closed', model: 'yolov5s' })).toBe(1);
    expect((await predictMultipart(service.url, smallImage)).status).toBe(200);
  });

  it('a client that hangs up while queued is dropped from the queue and never reaches a worker', async () => {
    const detectionsBefore = await metricOf(service, 'detector_detection_duration_seconds_count', { model: 'yolov5m' });
    const abandonedBefore = await metricOf(service, 'detector_abandoned_tasks_total', { model: 'yolov5m', stage: 'decode' });
    // One runner takes two images at once (one decodes while the other runs): two slow ones fill it.
    const running = [predictMultipart(service.url, slowImage, { model: 'yolov5m' }), predictMultipart(service.url, slowImage, { model: 'yolov5m' })];
    await expectMetric(service, 'detector_workers_busy', {}, 2);
    const client = new AbortController();
    const queued = predictMultipart(service.url, smallImage, { model: 'yolov5m' }, client.signal).catch((error: Error) => error.name);
    await expectMetric(service, 'detector_queue_depth', {}, 1);
    client.abort();
    expect(await queued).toBe('AbortError');
    await expectMetric(service, 'detector_queue_depth', {}, 0);
    expect(await metricOf(service, 'detector_refused_requests_total', { reason: 'client_closed', model: 'yolov5m' })).toBe(1);

    expect((await Promise.all(running)).map((answer) => answer.status)).toEqual([200, 200]);
    // Only the running requests were detected; the dropped one never got to a worker, not even to be cancelled there.
    expect(await metricOf(service, 'detector_detection_duration_seconds_count', { model: 'yolov5m' })).toBe(detectionsBefore + 2);
    expect(await metricOf(service, 'detector_abandoned_tasks_total', { model: 'yolov5m', stage: 'decode' })).toBe(abandonedBefore);
  });
});

describe('REQUEST_TIMEOUT_MS', () => {
  it('a detection over the timeout is a 504 at once; its task is dropped before inference and the worker lives on', async () => {
    const service = await startService({ env: { LOG_LEVEL: 'error', WORKER_THREADS: '1', BODY_LIMIT_MB: '100', REQUEST_TIMEOUT_MS: '200' } });
    try {
      const answer = await predictMultipart(service.url, slowImage);
      expect([answer.status, answer.body?.detail]).toEqual([504, "The detection did not finish within the service's 200 ms request timeout; it was abandoned."]);
      expect(await metricOf(service, 'detector_refused_requests_total', { reason: 'timeout', model: 'yolov5s' })).toBe(1);

      await expectMetric(service, 'detector_abandoned_tasks_total', { model: 'yolov5s', stage: 'inference' }, 1);
      await expectMetric(service, 'detector_workers_busy', {}, 0);
      expect(metric(await scrape(service.url), 'detector_stage_duration_seconds_count', { model: 'yolov5s', stage: 'inference' })).toBeUndefined();
      // The same worker, with its sessions, is still there.
      expect(((await (await fetch(`${service.url}/models/yolov5s`)).json()) as { workers_loaded: number }).workers_loaded).toBe(1);
      expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });
});
