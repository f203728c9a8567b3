import WebSocket from 'ws';
import { COCO_CLASS_NAMES } from '@app/vision';
import { corpusBytes, metricSum, scrape } from '../support/helpers';
import { liveModels } from '../support/live-models';
import { RunningService, startService } from '../support/service';
import { StreamClient } from './stream-client';

jest.setTimeout(120_000);

const BUS = corpusBytes('photos/bus.jpg');
const ALLOWED_ORIGIN = 'https://app.example';

/** The answer of the WebSocket handshake to /stream sent with these headers: 101 when the stream opens. */
function handshakeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/stream`, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', reject);
  });
}

/** Hostile stream clients (issue 20) against the built service: each case used to crash it, grow it or hold its slots. */
describe('/stream against hostile clients', () => {
  const models = liveModels();
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({
      env: { MODELS_DIR: models.dir, CORS_ORIGINS: ALLOWED_ORIGIN, STREAM_MAX_FRAME_MB: '1', STREAM_MAX_MESSAGES_PER_SECOND: '10000', LOG_LEVEL: 'warn' },
    });
  });
  afterAll(() => service?.stop());

  const open = () => StreamClient.open(service.url, { model: models.real });

  it('answers a 4 KB settings message nested 2000 deep with an error and stays up (it ended the process)', async () => {
    const stream = await open();
    stream.send(`{"event":"settings","data":{"foo":${'['.repeat(2000)}${']'.repeat(2000)}}}`);
    await stream.until(() => stream.of('error').length > 0);
    expect(stream.of('error')[0]).toMatchObject({ code: 'bad_message', message: expect.stringContaining('nested more than') });
    stream.send(BUS);
    expect((await stream.answerTo(1)).event).toBe('detections');
    expect(service.process.exitCode).toBeNull();
    await stream.close();
  });

  it("does not send a client's megabyte back: a 1 MB event name or settings key is quoted in a few hundred characters", async () => {
    const stream = await open();
    stream.send(JSON.stringify({ event: 'e'.repeat(1024 * 1024) }));
    stream.send(JSON.stringify({ event: 'settings', data: { ['k'.repeat(10_000)]: 1 } }));
    await stream.until(() => stream.of('error').length === 2);
    for (const error of stream.of('error')) expect(error.message!.length).toBeLessThan(600);
    expect(stream.of('error').map((error) => error.code)).toEqual(['bad_message', 'bad_settings']);
    await stream.close();
  });

  it('skips the answers of a client that does not read them, settings acknowledgements included, and goes on once it reads', async () => {
    const stream = await open();
    const tcp = (stream.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    // Each acknowledgement repeats the 80 classes (~1 KB): 15 MB of answers, more than the kernel's socket buffers hold.
    const change = JSON.stringify({ event: 'settings', data: { classes: COCO_CLASS_NAMES } });
    const sent = 15_000;
    for (let i = 0; i < sent / 500; i++) {
      for (let j = 0; j < 500; j++) stream.send(change);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const skipped = async () => metricSum(await scrape(service.url), 'detector_stream_answers_skipped_total', { event: 'settings' });
    const deadline = Date.now() + 30_000;
    while ((await skipped()) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await skipped()).toBeGreaterThan(0);
    tcp.resume();
    stream.send(BUS);
    const frame = await stream.answerTo(1);
    expect(frame.event).toBe('detections');
    expect(stream.of('settings').length).toBeLessThan(sent);
    await stream.close();
  });

  it('with CORS_ORIGINS set, refuses the handshake from another Origin (403) and accepts its origins and clients without one', async () => {
    expect(await handshakeStatus(service.url, { Origin: 'https://evil.example' })).toBe(403);
    expect(await handshakeStatus(service.url, { Origin: ALLOWED_ORIGIN })).toBe(101);
    expect(await handshakeStatus(service.url, {})).toBe(101);
  });

  it('closes a stream whose message is over the size cap (1009) with a warning, not an error with a stack trace', async () => {
    const before = service.output().length;
    const stream = await open();
    stream.send(Buffer.alloc(4 * 1024 * 1024 + 1));
    await stream.until(() => stream.closed !== null);
    expect(stream.closed!.code).toBe(1009);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logged = service.output().slice(before);
    expect(logged).toContain('Max payload size exceeded');
    expect(logged).not.toContain('"level":"error"');
    expect(logged).not.toMatch(/\n\s+at /);
  });
});

describe('/stream idle timeout against invalid messages', () => {
  const models = liveModels();
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ env: { MODELS_DIR: models.dir, STREAM_IDLE_TIMEOUT_MS: '1000' } });
  });
  afterAll(() => service?.stop());

  it('closes a stream that sends only invalid messages once it has been idle (4408): they no longer hold its slot', async () => {
    const stream = await StreamClient.open(service.url, { model: models.real });
    for (let i = 0; i < 16 && !stream.closed; i++) {
      stream.send('{not json');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Closed while it was still sending them, four times the idle timeout after its last valid message.
    expect(stream.closed?.code).toBe(4408);
  });
});
