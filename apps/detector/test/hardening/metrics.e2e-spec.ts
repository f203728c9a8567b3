import { RunningService, startService } from '../support/service';
import { corpusBytes, eventually, metric, predictJson, predictMultipart, scrape } from '../support/helpers';

describe('GET /metrics (Prometheus)', () => {
  let service: RunningService;
  let text: string;

  beforeAll(async () => {
    service = await startService({ env: { LOG_LEVEL: 'warn', QUEUE_DEPTH: '5', WORKER_THREADS: '2' } });
    expect((await predictJson(service.url, corpusBytes('photos/zidane.jpg'))).status).toBe(200);
    expect((await predictMultipart(service.url, corpusBytes('photos/bus.jpg'), { model: 'yolov5m' })).status).toBe(200);
    expect((await predictMultipart(service.url, corpusBytes('odd/webp/pillow_hopper.webp'))).status).toBe(415);
    expect((await fetch(`${service.url}/models/yolov9`)).status).toBe(400);
    expect((await fetch(`${service.url}/no/such/route/${Math.random()}`)).status).toBe(404);
    const response = await fetch(`${service.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    text = await response.text();
  });

  afterAll(async () => {
    await service.stop();
  });

  it('counts requests by route template, status and model', () => {
    expect(metric(text, 'http_requests_total', { method: 'POST', route: '/predict', status: '200', model: 'yolov5s' })).toBe(1);
    expect(metric(text, 'http_requests_total', { method: 'POST', route: '/predict', status: '200', model: 'yolov5m' })).toBe(1);
    expect(metric(text, 'http_requests_total', { method: 'POST', route: '/predict', status: '415', model: 'yolov5s' })).toBe(1);
    expect(metric(text, 'http_requests_total', { method: 'GET', route: '/models/:name', status: '400' })).toBe(1);
    // Unknown paths share one label value: clients cannot create series.
    expect(metric(text, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(text).not.toMatch(/no\/such\/route/);
    expect(metric(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/predict', status: '200' })).toBe(2);
  });

  it('has latency histograms for every stage and end to end, per model', () => {
    for (const stage of ['queue', 'decode', 'preprocess', 'inference', 'postprocess']) {
      expect(metric(text, 'detector_stage_duration_seconds_count', { model: 'yolov5s', stage })).toBe(1);
      expect(metric(text, 'detector_stage_duration_seconds_sum', { model: 'yolov5s', stage })).toBeGreaterThanOrEqual(0);
    }
    expect(metric(text, 'detector_stage_duration_seconds_sum', { model: 'yolov5s', stage: 'inference' })).toBeGreaterThan(0);
    expect(metric(text, 'detector_detection_duration_seconds_count', { model: 'yolov5m' })).toBe(1);
    expect(metric(text, 'detector_stage_duration_seconds_bucket', { model: 'yolov5s', stage: 'decode', le: '+Inf' })).toBe(1);
  });

  it('reports the queue, the workers and refusals', () => {
    expect(metric(text, 'detector_queue_depth')).toBe(0);
    expect(metric(text, 'detector_queue_capacity')).toBe(5);
    // Each model has its own runner threads: 3 models × WORKER_THREADS=2.
    expect(metric(text, 'detector_workers')).toBe(6);
    expect(metric(text, 'detector_workers_busy')).toBe(0);
    expect(text).toMatch(/^# TYPE detector_refused_requests_total counter$/m);
  });

  it("reports each model's state and load time", () => {
    for (const model of ['yolov5s', 'yolov5m', 'yolov5l']) {
      expect(metric(text, 'detector_model_state', { model, state: 'loaded' })).toBe(1);
      expect(metric(text, 'detector_model_state', { model, state: 'loading' })).toBe(0);
      expect(metric(text, 'detector_model_load_seconds', { model })).toBeGreaterThan(0);
    }
  });

  it('includes the process metrics (resident memory, CPU, heap, event-loop lag)', () => {
    expect(metric(text, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    for (const name of ['process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) expect(metric(text, name)).toBeDefined();
  });

  it('reports a missing model as missing', async () => {
    const partial = await startService({ env: { LOG_LEVEL: 'warn', MODELS_DIR: '/nonexistent-models-dir' }, waitFor: 'live' });
    try {
      await eventually(async () => metric(await scrape(partial.url), 'detector_model_state', { model: 'yolov5s', state: 'missing' }) === 1);
      const metrics = await scrape(partial.url);
      // No model can serve: the instance must not take traffic.
      expect((await fetch(`${partial.url}/health/ready`)).status).toBe(503);
      expect(metric(metrics, 'detector_model_load_seconds', { model: 'yolov5s' })).toBeUndefined();
    } finally {
      await partial.stop();
    }
  });
});
