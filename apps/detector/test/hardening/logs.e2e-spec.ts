import { once } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeFixedOutputModel, OnnxProto } from '@app/onnx-writer';
import { E2E_TMP } from '../support/paths';
import { RunningService, startService } from '../support/service';
import { corpusBytes, eventually, predictJson, predictMultipart } from '../support/helpers';

type LogLine = Record<string, unknown> & { level: string; msg: string; req?: { id?: string; method?: string; url?: string }; res?: { statusCode?: number } };

const logLines = (service: RunningService): LogLine[] =>
  service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

/** The log line of the request with this id, once the service has written it (stdout reaches the test a bit later). */
async function requestLog(service: RunningService, id: string): Promise<LogLine> {
  await eventually(async () => logLines(service).some((entry) => entry.req?.id === id), 5_000);
  return logLines(service).find((entry) => entry.req?.id === id)!;
}

describe('structured logs', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ env: { LOG_LEVEL: 'info' } });
  });

  afterAll(async () => {
    await service.stop();
  });

  it('writes every line as JSON, start-up included', () => {
    const lines = service.output().split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(logLines(service).some((line) => /Listening on http/.test(line.msg))).toBe(true);
    // Whether INT8 models will be fast here (VNNI), read from /proc/cpuinfo.
    expect(logLines(service).some((line) => /^CPU: (INT8 fast path available|no VNNI|CPU flags unknown)/.test(line.msg))).toBe(true);
  });

  it('accepts X-Request-Id, echoes it and logs the request with its model, status and durations', async () => {
    const response = await fetch(`${service.url}/predict`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'client-trace-42' },
      body: JSON.stringify({ model: 'yolov5m', image: corpusBytes('photos/zidane.jpg').toString('base64') }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('client-trace-42');
    const line = await requestLog(service, 'client-trace-42');
    expect(line).toMatchObject({ level: 'info', model: 'yolov5m', res: { statusCode: 200 }, req: { method: 'POST', url: '/predict' } });
    expect(line.responseTime).toEqual(expect.any(Number));
    expect(Object.keys(line.stages as object)).toEqual(['decode', 'preprocess', 'inference', 'postprocess']);
  });

  it('generates a request id when none (or an unsafe one) is sent', async () => {
    const generated = (await fetch(`${service.url}/version`)).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const unsafe = (await fetch(`${service.url}/version`, { headers: { 'X-Request-Id': '{"level":"fatal"} forged' } })).headers.get('x-request-id');
    expect(unsafe).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('tags error answers with the request id too, even those refused before routing', async () => {
    const response = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'broken-json-1' }, body: '{"model": ' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBe('broken-json-1');
    expect(await requestLog(service, 'broken-json-1')).toMatchObject({ res: { statusCode: 400 } });
  });

  it('never logs image bytes or base64, not even from a body that fails to parse', async () => {
    // A recognisable base64 run in a valid body, in a broken body and in an upload.
    const marker = Buffer.from('THIS-IS-AN-IMAGE-PAYLOAD'.repeat(20)).toString('base64');
    const image = Buffer.concat([corpusBytes('odd/jpeg/pillow_hopper.jpg'), Buffer.from(marker)]);
    await predictJson(service.url, image);
    await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: `{"model": "yolov5s", "image": "${marker}` });
    await predictMultipart(service.url, Buffer.from(marker));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(service.output()).not.toContain(marker.slice(0, 40));
    expect(service.output()).not.toContain(image.toString('base64').slice(0, 40));
  });

  it('does not log successful probes', async () => {
    await fetch(`${service.url}/health/ready`, { headers: { 'X-Request-Id': 'probe-1' } });
    await fetch(`${service.url}/version`, { headers: { 'X-Request-Id': 'after-probe-1' } });
    await requestLog(service, 'after-probe-1');
    expect(logLines(service).some((entry) => entry.req?.id === 'probe-1')).toBe(false);
  });
});

describe('LOG_LEVEL', () => {
  it('warn leaves out the per-request info lines but keeps warnings', async () => {
    const service = await startService({ env: { LOG_LEVEL: 'warn', MODELS_DIR: '/nonexistent-models-dir' }, waitFor: 'live' });
    try {
      await fetch(`${service.url}/version`, { headers: { 'X-Request-Id': 'quiet-1' } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lines = logLines(service);
      expect(lines.some((entry) => entry.req?.id === 'quiet-1')).toBe(false);
      expect(lines.every((entry) => ['warn', 'error', 'fatal'].includes(entry.level))).toBe(true);
      expect(lines.some((entry) => /is not installed/.test(entry.msg))).toBe(true);
    } finally {
      await service.stop();
    }
  });
});

describe("ONNX Runtime's own warnings", () => {
  /** A valid model with a weight no node uses: ONNX Runtime's logger warns "Removing initializer" when it loads it. */
  function modelWithUnusedWeight(): Uint8Array {
    const model = OnnxProto.ModelProto.decode(makeFixedOutputModel({ rows: [] })) as unknown as { graph: { initializer: unknown[] } };
    model.graph.initializer.push(OnnxProto.TensorProto.create({ name: 'unused_weight', dims: [1], dataType: 1, floatData: [1] }));
    return OnnxProto.ModelProto.encode(model as never).finish();
  }

  it('do not break the JSON log with a plain line, from the first-start download check to the runner threads', async () => {
    // The first start of a compose user: yolov5s is downloaded (from this mirror), opened once to verify it, then served.
    const model = modelWithUnusedWeight();
    const mirror = createServer((req, res) => (req.url === '/yolov5s.onnx' ? res.end(model) : res.writeHead(404).end()));
    mirror.listen(0, '127.0.0.1');
    await once(mirror, 'listening');
    const dir = join(E2E_TMP, 'models-unused-weight');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const service = await startService({
      env: { LOG_LEVEL: 'info', MODELS_DIR: dir, MODELS_AUTO_FETCH: 'true', MODELS_BASE_URL: `http://127.0.0.1:${(mirror.address() as AddressInfo).port}` },
    });
    try {
      const answer = await predictJson(service.url, corpusBytes('photos/zidane.jpg'));
      expect(answer.status).toBe(200);
      await eventually(async () => logLines(service).some((line) => /^Model fetch:/.test(line.msg)), 5_000);
      const lines = service.output().split('\n').filter((line) => line.trim() !== '');
      expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
      expect(logLines(service).some((line) => /yolov5s: downloaded/.test(line.msg))).toBe(true);
      // The download's progress, which a terminal shows as a bar, is in the log too.
      expect(logLines(service).some((line) => /^yolov5s\.onnx \d+% \|/.test(line.msg))).toBe(true);
    } finally {
      await service.stop();
      mirror.close();
    }
  });
});
