import { mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { E2E_TMP } from '../support/paths';
import { RunningService, startService } from '../support/service';
import { StreamClient } from '../stream/stream-client';
import { corpusBytes } from '../support/helpers';

const CLIENT_KEY = 'client-key-0f3a9c2e71b4d8e5';
const OTHER_CLIENT_KEY = 'second-key-7d1e4b9a03c6f2a8';
const METRICS_KEY = 'scrape-key-5b8e2d7f1a9c4e60';
const WRONG_KEY = 'wrong-key-aaaaaaaaaaaaaaaa';

const BUS = corpusBytes('photos/bus.jpg');
const bearer = (key: string): Record<string, string> => ({ Authorization: `Bearer ${key}` });

function imageForm(fields: Record<string, string>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('image', new Blob([new Uint8Array(BUS)]), 'bus.jpg');
  return form;
}

/** One request of every kind of protected route: info, models, every detection route in both body types, /v2, the page's data. */
const PROTECTED: { name: string; path: string; init?: () => RequestInit; errorField?: 'error' }[] = [
  { name: 'GET /', path: '/' },
  { name: 'GET /describe', path: '/describe' },
  { name: 'GET /version', path: '/version' },
  { name: 'GET /models', path: '/models' },
  { name: 'GET /models/{name}', path: '/models/yolov5s' },
  { name: 'POST /predict (JSON)', path: '/predict', init: () => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'yolov5s', image: BUS.toString('base64') }) }) },
  { name: 'POST /predict (multipart)', path: '/predict', init: () => ({ method: 'POST', body: imageForm({ model: 'yolov5s' }) }) },
  { name: 'POST /predict/compare', path: '/predict/compare', init: () => ({ method: 'POST', body: imageForm({}) }) },
  { name: 'POST /predict/annotated', path: '/predict/annotated', init: () => ({ method: 'POST', body: imageForm({ model: 'yolov5s' }) }) },
  { name: 'GET /v2', path: '/v2', errorField: 'error' },
  { name: 'GET /v2/models/{name}', path: '/v2/models/yolov5s', errorField: 'error' },
  { name: 'GET /v2/models/{name}/ready', path: '/v2/models/yolov5s/ready', errorField: 'error' },
  {
    name: 'POST /v2/models/{name}/infer',
    path: '/v2/models/yolov5s/infer',
    errorField: 'error',
    init: () => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: [BUS.toString('base64')] }] }) }),
  },
  { name: 'GET /ui/class-colours.json', path: '/ui/class-colours.json' },
];

const PUBLIC = ['/health', '/health/live', '/health/ready', '/v2/health/live', '/v2/health/ready', '/ui', '/ui/app.js', '/ui/api-key.js', '/docs', '/docs-json'];

const streamUrl = (service: RunningService, query: Record<string, string>) => `${service.url.replace(/^http/, 'ws')}/stream?${new URLSearchParams(query)}`;

/** The HTTP answer to a /stream handshake the service refuses. */
async function refusedHandshake(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: { statusCode: number; detail: string } }> {
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    socket.on('open', () => reject(new Error('the stream opened')));
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: JSON.parse(body) }));
    });
    socket.on('error', () => undefined);
  });
}

describe('API keys (API_KEYS) and the metrics key (METRICS_API_KEY)', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ env: { LOG_LEVEL: 'info', API_KEYS: `${CLIENT_KEY}, ${OTHER_CLIENT_KEY}`, METRICS_API_KEY: METRICS_KEY } });
  });

  afterAll(async () => {
    await service.stop();
  });

  it.each(PROTECTED)('refuses $name without a key and with a wrong one: 401, a message and a Bearer challenge', async ({ path, init, errorField }) => {
    const attempts: { headers: Record<string, string>; wrongKey: boolean }[] = [
      { headers: {}, wrongKey: false },
      { headers: { Authorization: `Basic ${CLIENT_KEY}` }, wrongKey: false }, // not a form the service reads
      { headers: bearer(WRONG_KEY), wrongKey: true },
      { headers: { 'X-API-Key': WRONG_KEY }, wrongKey: true },
    ];
    for (const { headers, wrongKey } of attempts) {
      const request = init?.() ?? {};
      const response = await fetch(service.url + path, { ...request, headers: { ...(request.headers as Record<string, string>), ...headers } });
      const body = await response.json();
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="yolov5-detector"${wrongKey ? ', error="invalid_token"' : ''}`);
      const detail = wrongKey ? 'The API key is not valid.' : 'An API key is required: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".';
      expect(body).toEqual(errorField ? { error: detail } : { statusCode: 401, error: 'Unauthorized', detail });
    }
  });

  it.each(PROTECTED)('answers $name with either key, in either header', async ({ path, init }) => {
    for (const headers of [bearer(CLIENT_KEY), { 'X-API-Key': OTHER_CLIENT_KEY } as Record<string, string>]) {
      const request = init?.() ?? {};
      const response = await fetch(service.url + path, { ...request, headers: { ...(request.headers as Record<string, string>), ...headers } });
      expect(response.status).toBe(200);
    }
  });

  it('refuses a keyless body before parsing it: malformed or deep JSON gets 401, not the 400 a key-holder gets', async () => {
    const bodies = ['{"model": [', '['.repeat(10_000) + ']'.repeat(10_000)];
    for (const [path, body] of bodies.flatMap((body) => [['/predict', body], ['/v2/models/yolov5s/infer', body]])) {
      const post = (headers: Record<string, string>) => fetch(service.url + path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
      const keyless = await post({});
      expect([path, keyless.status, keyless.headers.get('www-authenticate')]).toEqual([path, 401, 'Bearer realm="yolov5-detector"']);
      expect((await post({ 'X-API-Key': WRONG_KEY })).status).toBe(401);
      expect((await post(bearer(CLIENT_KEY))).status).toBe(400);
    }
  });

  it('leaves the health probes, the page files and Swagger UI open', async () => {
    for (const path of PUBLIC) expect([path, (await fetch(service.url + path)).status]).toEqual([path, 200]);
  });

  it('opens /metrics with the metrics key only', async () => {
    expect((await fetch(`${service.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${service.url}/metrics`, { headers: bearer(CLIENT_KEY) })).status).toBe(401);
    const scrape = await fetch(`${service.url}/metrics`, { headers: bearer(METRICS_KEY) });
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('http_requests_total');
  });

  it('refuses a /stream handshake without a key or with a wrong one, and opens it with the key in the URL, a subprotocol or a header', async () => {
    const missing = await refusedHandshake(streamUrl(service, { model: 'yolov5s' }));
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="yolov5-detector"');
    expect(missing.body).toEqual({ statusCode: 401, error: 'Unauthorized', detail: expect.stringContaining('"api_key=<key>"') });
    const wrong = await refusedHandshake(streamUrl(service, { model: 'yolov5s', api_key: WRONG_KEY }));
    expect([wrong.status, wrong.body.detail]).toEqual([401, 'The API key is not valid.']);

    const byUrl = await StreamClient.open(service.url, { model: 'yolov5s', api_key: CLIENT_KEY });
    expect(byUrl.messages[0]).toMatchObject({ event: 'settings', data: { settings: { model: 'yolov5s' } } }); // the key is no setting
    byUrl.socket.send(BUS);
    expect((await byUrl.answerTo(1)).event).toBe('detections');
    byUrl.socket.close();

    const keyProtocol = (key: string) => `detector-key.${Buffer.from(key).toString('base64url')}`;
    const wrongProtocol = new WebSocket(streamUrl(service, { model: 'yolov5s' }), ['detector-stream', keyProtocol(WRONG_KEY)]);
    const refusedStatus = await new Promise<number>((resolve) => wrongProtocol.on('unexpected-response', (_request, response) => resolve(response.statusCode!)));
    expect(refusedStatus).toBe(401);
    const byProtocol = new WebSocket(streamUrl(service, { model: 'yolov5s' }), ['detector-stream', keyProtocol(CLIENT_KEY)]);
    await new Promise((resolve, reject) => byProtocol.once('message', resolve).once('error', reject));
    expect(byProtocol.protocol).toBe('detector-stream'); // the key is not echoed back
    byProtocol.close();

    const byHeader = new WebSocket(streamUrl(service, { model: 'yolov5s' }), { headers: { 'X-API-Key': OTHER_CLIENT_KEY } });
    const first = await new Promise<string>((resolve, reject) => {
      byHeader.once('message', (data) => resolve(data.toString()));
      byHeader.once('error', reject);
    });
    expect(JSON.parse(first)).toMatchObject({ event: 'settings' });
    byHeader.close();
  });

  it('documents the keys in OpenAPI: the Authorize button, a requirement on protected operations, none on probes', async () => {
    const document = await (await fetch(`${service.url}/docs-json`)).json();
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      'api-key': expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    });
    expect(document.security).toEqual([{ bearer: [] }, { 'api-key': [] }]);
    expect(document.paths['/predict'].post.security).toBeUndefined(); // the document's requirement applies
    for (const path of ['/health', '/health/live', '/health/ready', '/v2/health/live', '/v2/health/ready']) expect(document.paths[path].get.security).toEqual([{}]);
  });

  it('never logs a key, not even one sent in a URL', async () => {
    await fetch(`${service.url}/models?api_key=${CLIENT_KEY}`, { headers: { ...bearer(CLIENT_KEY), 'X-Request-Id': 'key-in-url' } });
    await fetch(`${service.url}/models`, { headers: { 'X-API-Key': WRONG_KEY } });
    await new Promise((resolve) => setTimeout(resolve, 500)); // stdout reaches the test a bit later
    const output = service.output();
    expect(output).toContain('"url":"/models?api_key=[redacted]"');
    expect(output).toMatch(/"statusCode":401/);
    for (const key of [CLIENT_KEY, OTHER_CLIENT_KEY, METRICS_KEY, WRONG_KEY]) expect(output).not.toContain(key);
  });
});

describe('per-client rate limits (RATE_LIMIT_REQUESTS), keys from a file (API_KEYS_FILE)', () => {
  const limit = { RATE_LIMIT_REQUESTS: '3', RATE_LIMIT_WINDOW_SECONDS: '60' };

  it('gives each key its own budget and answers 429 with Retry-After past it; probes are not counted', async () => {
    mkdirSync(E2E_TMP, { recursive: true });
    const keysFile = join(E2E_TMP, 'api-keys');
    writeFileSync(keysFile, `# the secret file: one key per line\n${CLIENT_KEY}\n${OTHER_CLIENT_KEY}\n`);
    const service = await startService({ env: { API_KEYS_FILE: keysFile, ...limit } });
    try {
      for (let i = 0; i < 3; i++) expect((await fetch(`${service.url}/models`, { headers: bearer(CLIENT_KEY) })).status).toBe(200);
      for (let i = 0; i < 5; i++) expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
      const refused = await fetch(`${service.url}/version`, { headers: { 'X-API-Key': CLIENT_KEY } });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(await refused.json()).toEqual({ statusCode: 429, error: 'Too Many Requests', detail: expect.stringMatching(/^Too many requests: at most 3 per 60 s for each client \(RATE_LIMIT_REQUESTS\); retry after \d+ s\.$/) });
      // The other key's budget is its own; a wrong key is refused before it counts.
      expect((await fetch(`${service.url}/models`, { headers: bearer(OTHER_CLIENT_KEY) })).status).toBe(200);
      expect((await fetch(`${service.url}/models`, { headers: bearer(WRONG_KEY) })).status).toBe(401);
    } finally {
      await service.stop();
    }
  });

  it('limits by client address when keys are off', async () => {
    const service = await startService({ env: limit });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${service.url}/models`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await service.stop();
    }
  });
});
