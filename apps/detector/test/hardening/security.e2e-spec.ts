import { RunningService, startService } from '../support/service';

describe('security headers, Swagger UI and CORS', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ env: { LOG_LEVEL: 'warn' } });
  });

  afterAll(async () => {
    await service.stop();
  });

  it('sends helmet headers, and a CSP under which Swagger UI runs', async () => {
    const response = await fetch(`${service.url}/docs`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/style-src [^;]*'unsafe-inline'/); // Swagger UI's inline <style> blocks and style attributes
    expect(csp).toMatch(/img-src [^;]*data:/); // its icons are data: URIs
    expect(csp).not.toContain('upgrade-insecure-requests'); // would break the UI over plain http

    // Swagger UI's page runs no inline script: every <script> is a same-origin file that the CSP allows and that loads.
    const html = await response.text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body.trim()).toBe('');
      const src = /src="([^"]+)"/.exec(attributes)![1];
      expect(src).not.toMatch(/^(https?:)?\/\//);
      const script = await fetch(new URL(src, `${service.url}/docs`));
      expect([script.status, script.headers.get('content-type')]).toEqual([200, expect.stringMatching(/javascript/)]);
    }
    expect((await fetch(`${service.url}/docs-json`)).status).toBe(200);
  });

  it('has CORS off by default', async () => {
    const preflight = await fetch(`${service.url}/predict`, { method: 'OPTIONS', headers: { Origin: 'https://elsewhere.example', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${service.url}/models`, { headers: { Origin: 'https://elsewhere.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows exactly the origins in CORS_ORIGINS', async () => {
    const cors = await startService({ env: { LOG_LEVEL: 'warn', CORS_ORIGINS: 'https://app.example, https://admin.example' } });
    try {
      const allowed = await fetch(`${cors.url}/predict`, { method: 'OPTIONS', headers: { Origin: 'https://admin.example', 'Access-Control-Request-Method': 'POST' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://admin.example');
      const other = await fetch(`${cors.url}/models`, { headers: { Origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await cors.stop();
    }
  });

  it('never puts a stack trace in an error body', async () => {
    const answers = await Promise.all([
      fetch(`${service.url}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"model": [' }),
      fetch(`${service.url}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '['.repeat(10_000) + ']'.repeat(10_000) }),
      fetch(`${service.url}/models/..%2F..%2Fetc%2Fpasswd`),
      fetch(`${service.url}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: '../yolov5s', image: 'AAAA' }) }),
    ]);
    for (const answer of answers) {
      const body = await answer.text();
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(body).not.toMatch(/\bat .+\.(js|ts):\d+/);
      expect(body).not.toMatch(/node_modules|\/work\//);
    }
  });
});
