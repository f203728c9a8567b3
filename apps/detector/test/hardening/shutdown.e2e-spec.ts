import { startService } from '../support/service';
import { Answer, bmpImage, corpusBytes, eventually, metric, predictMultipart, scrape } from '../support/helpers';

describe('graceful shutdown on SIGTERM', () => {
  it('finishes the requests in flight, refuses new ones, turns readiness 503, then exits 0', async () => {
    const service = await startService({ env: { LOG_LEVEL: 'info', WORKER_THREADS: '1', QUEUE_DEPTH: '8', BODY_LIMIT_MB: '100', SHUTDOWN_GRACE_MS: '20000' } });
    // Two slow images on the runner (it takes two at once; ~0.5 s of decoding each) and three photos queued behind them.
    const inFlight: Promise<Answer>[] = [predictMultipart(service.url, bmpImage(6000, 4000)), predictMultipart(service.url, bmpImage(6000, 4000))];
    await eventually(async () => metric(await scrape(service.url), 'detector_workers_busy') === 2);
    for (let i = 0; i < 3; i++) inFlight.push(predictMultipart(service.url, corpusBytes('photos/zidane.jpg')));
    await eventually(async () => metric(await scrape(service.url), 'detector_queue_depth') === 3);

    const exitCode = service.stop('SIGTERM');
    await eventually(async () => (await fetch(`${service.url}/health/ready`)).status === 503, 2_000);
    const ready = await (await fetch(`${service.url}/health/ready`)).json();
    expect(ready).toMatchObject({ statusCode: 503, detail: 'Not ready: lifecycle down.', checks: { lifecycle: { status: 'down', state: 'shutting down' } } });
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    const late = await predictMultipart(service.url, corpusBytes('photos/zidane.jpg'));
    expect([late.status, late.body?.detail, late.headers.get('retry-after')]).toEqual([503, 'The service is shutting down; retry on another instance.', '1']);

    const answers = await Promise.all(inFlight);
    expect(answers.map(({ status }) => status)).toEqual([200, 200, 200, 200, 200]);
    expect(await exitCode).toBe(0);
    expect(service.output()).toMatch(/SIGTERM received: readiness is now 503; waiting up to 20000 ms for 5 request\(s\) in flight/);
    expect(service.output()).toMatch(/Shut down cleanly/);
  }, 60_000);

  it('without requests in flight, exits 0 at once', async () => {
    const service = await startService({ env: { LOG_LEVEL: 'warn' } });
    const started = Date.now();
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('SIGINT (Ctrl-C) shuts down the same way', async () => {
    const service = await startService({ env: { LOG_LEVEL: 'warn' } });
    expect(await service.stop('SIGINT')).toBe(0);
  });
});
