import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { liveModels } from '../support/live-models';
import { RunningService, startService } from '../support/service';
import { StreamClient } from '../stream/stream-client';
import { mulberry32 } from '@app/onnx-writer';
import { corpusBytes, mapConcurrently, metric, mutatedImage, scrape } from '../support/helpers';

const SEED = 20_261_207;
const random = mulberry32(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const integer = (below: number) => Math.floor(random() * below);

const CASES = 300;
const CONCURRENCY = 4;
const MAX_FRAME_MB = 1;
/** How a hostile stream may end: by its own client, or closed by the server for a limit it crossed. */
const EXPECTED_CLOSES = new Set([1000, 1005, 1009, 1013, 4400, 4408, 4429]);

const FRAME = corpusBytes('odd/jpeg/pillow_hopper.jpg');
const GOOD_FRAME = corpusBytes('photos/bus.jpg');
const SEEDS = ['odd/jpeg/pillow_hopper.jpg', 'odd/png/pillow_hopper.png', 'odd/jpeg/pillow_exif_gps.jpg'].map((file) => ({ file, bytes: corpusBytes(file) }));

/** A client's sequence of messages on one stream; `paused` stops reading the answers first. */
interface Script {
  kind: string;
  messages: (string | Buffer)[];
  paused?: boolean;
  /** Open and close this many streams in quick succession before the script's own. */
  reconnects?: number;
}

/** The `data` of settings messages, as JSON text (so that `__proto__` stays a key). */
const STRANGE_SETTINGS = [
  '{"model":"yolov5m"}',
  '{"model":"yolov9x"}',
  `{"model":"${'y'.repeat(5000)}"}`,
  '{"classes":["person","unicorn"]}',
  '{"classes":"person"}',
  '{"confidence_threshold":1e308}',
  '{"iou_threshold":"NaN"}',
  '{"input_size":333}',
  '{"input_size":320}',
  '{"max_detections":-1}',
  '{"__proto__":{"model":"x"}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"treshold":0.5}',
  'null',
  '[]',
  '"yolov5s"',
  '{}',
];

const nested = (depth: number) => (random() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
const randomText = (length: number) => Array.from({ length }, () => String.fromCharCode(integer(0x3000))).join('');
const randomBytes = (length: number) => Buffer.from(Array.from({ length }, () => integer(256)));
const settings = (data: string) => `{"event":"settings","data":${data}}`;

/** One seeded hostile script: malformed, deep, huge, binary, interleaved, not reading, reconnecting or flooding. */
function hostileScript(): Script {
  switch (pick(['malformed', 'deep', 'huge text', 'huge binary', 'binary garbage', 'interleaved', 'slow reader', 'reconnects', 'flood'] as const)) {
    case 'malformed':
      return {
        kind: 'malformed',
        messages: Array.from({ length: 1 + integer(10) }, () =>
          pick([() => randomText(1 + integer(200)), () => settings('{"model":"yolov5s"}').slice(0, integer(40)), () => JSON.stringify({ event: randomText(integer(50)), data: {} }), () => '{"event":"settings","data":']),
        ).map((make) => make()),
      };
    case 'deep':
      return { kind: 'deep', messages: [`{"event":"settings","data":{"foo":${nested(33 + integer(5000))}}}`, `{"event":${nested(33 + integer(2000))}}`] };
    case 'huge text':
      return { kind: 'huge text', messages: [settings(`{"model":"${'y'.repeat(17_000 + integer(1_000_000))}"}`)] };
    case 'huge binary':
      return { kind: 'huge binary', messages: [Buffer.alloc(4 * MAX_FRAME_MB * 1024 * 1024 + 1 + integer(1024 * 1024), 0xff)] };
    case 'binary garbage':
      return { kind: 'binary garbage', messages: Array.from({ length: 1 + integer(8) }, () => (random() < 0.5 ? randomBytes(1 + integer(65_536)) : mutatedImage(random, SEEDS).bytes)) };
    case 'interleaved':
      return { kind: 'interleaved', messages: Array.from({ length: 5 + integer(25) }, () => (random() < 0.5 ? settings(pick(STRANGE_SETTINGS)) : random() < 0.5 ? FRAME : mutatedImage(random, SEEDS).bytes)) };
    case 'slow reader':
      return { kind: 'slow reader', paused: true, messages: Array.from({ length: 20 + integer(30) }, () => (random() < 0.7 ? settings('{"classes":null}') : FRAME)) };
    case 'reconnects':
      return { kind: 'reconnects', reconnects: 3 + integer(8), messages: [FRAME] };
    case 'flood':
      return { kind: 'flood', messages: Array.from({ length: 100 + integer(100) }, () => '{}') };
  }
}

interface Outcome {
  kind: string;
  closes: number[];
  internalErrors: number;
}

async function play(url: string, model: string, script: Script): Promise<Outcome> {
  const closes: number[] = [];
  let internalErrors = 0;
  const finished = (client: StreamClient) => {
    internalErrors += client.of('error').filter((error) => error.code === 'internal').length;
    if (client.closed) closes.push(client.closed.code);
  };
  for (let i = 0; i < (script.reconnects ?? 0); i++) {
    const client = await StreamClient.open(url, { model });
    await client.close();
    finished(client);
  }
  const client = await StreamClient.open(url, { model });
  const tcp = (client.socket as unknown as { _socket: { pause(): void } })._socket;
  if (script.paused) tcp.pause();
  for (const message of script.messages) {
    if (client.closed || client.socket.readyState !== client.socket.OPEN) break;
    client.send(message);
  }
  if (script.paused) {
    // Never reads: leaves without the close handshake, as a vanished client does (its own close code is not the server's).
    await sleep(300);
    client.socket.terminate();
    return { kind: script.kind, closes, internalErrors };
  }
  await client.until(() => client.closed !== null || client.messages.length > script.messages.length / 2, 1500).catch(() => undefined);
  await client.close().catch(() => client.socket.terminate());
  finished(client);
  return { kind: script.kind, closes, internalErrors };
}

/** A well-behaved stream: one frame at a time, the next sent once the previous is answered; records when each was answered. */
function goodStream(client: StreamClient) {
  const answeredAt: number[] = [];
  let running = true;
  const done = (async () => {
    for (let id = 1; running; id++) {
      client.send(GOOD_FRAME);
      const answer = await client.answerTo(id);
      if (answer.event !== 'detections') throw new Error(`the well-behaved stream got ${JSON.stringify(answer)}`);
      answeredAt.push(performance.now());
    }
  })();
  return {
    answeredAt,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const answersPerSecond = (times: number[], from: number, to: number) => times.filter((t) => t >= from && t <= to).length / ((to - from) / 1000);

describe(`seeded fuzzing of /stream (seed ${SEED})`, () => {
  const models = liveModels();
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ env: { MODELS_DIR: models.dir, LOG_LEVEL: 'error', STREAM_MAX_FRAME_MB: String(MAX_FRAME_MB), STREAM_MAX_STREAMS: '8' } });
  });
  afterAll(() => service?.stop());

  it(`stays up, bounded in memory, and keeps a well-behaved stream answered through ${CASES} hostile scripts`, async () => {
    const scripts = Array.from({ length: CASES }, hostileScript);
    const good = await StreamClient.open(service.url, { model: models.real, input_size: '320' });
    const calmStart = performance.now();
    const stream = goodStream(good);
    await sleep(3000);
    const heapBefore = metric(await scrape(service.url), 'nodejs_heap_size_used_bytes')!;
    const rssBefore = service.memory().rssBytes;
    const calm = answersPerSecond(stream.answeredAt, calmStart, performance.now());

    const fuzzStart = performance.now();
    const outcomes = await mapConcurrently(scripts, CONCURRENCY, (script) => play(service.url, models.fixture, script));
    const fuzzEnd = performance.now();
    const underFuzz = answersPerSecond(stream.answeredAt, fuzzStart, fuzzEnd);
    const marks = [fuzzStart, ...stream.answeredAt.filter((t) => t > fuzzStart && t < fuzzEnd), fuzzEnd];
    const gaps = marks.slice(1).map((t, i) => t - marks[i]);
    await stream.stop();
    await good.close();
    await sleep(500);
    const heapAfter = metric(await scrape(service.url), 'nodejs_heap_size_used_bytes')!;
    const { rssBytes: rssAfter, peakRssBytes } = service.memory();
    const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
    console.log(
      `${CASES} scripts in ${((fuzzEnd - fuzzStart) / 1000).toFixed(1)} s; well-behaved stream ${calm.toFixed(1)} answers/s before, ${underFuzz.toFixed(1)} during, longest gap ${Math.round(Math.max(...gaps))} ms; ` +
        `heap ${mb(heapBefore)} → ${mb(heapAfter)} MB, RSS ${mb(rssBefore)} → ${mb(rssAfter)} MB (peak ${mb(peakRssBytes)} MB)`,
    );

    const tally: Record<string, number> = {};
    for (const { kind, closes } of outcomes) for (const code of closes) tally[`${kind} ${code}`] = (tally[`${kind} ${code}`] ?? 0) + 1;
    console.log(`How the hostile streams ended (script kind and close code): ${JSON.stringify(tally)}`);
    expect(service.process.exitCode).toBeNull();
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    expect(outcomes.filter(({ closes, internalErrors }) => internalErrors > 0 || closes.some((code) => !EXPECTED_CLOSES.has(code)))).toEqual([]);
    // Every kind of script ran, and the limits were really reached.
    expect(new Set(outcomes.map(({ kind }) => kind)).size).toBe(9);
    expect(outcomes.some(({ closes }) => closes.includes(1009))).toBe(true);
    expect(outcomes.some(({ closes }) => closes.includes(4429))).toBe(true);
    // Loose, load-tolerant bounds: the machine is shared, and the hostile scripts use its cores too.
    expect(underFuzz).toBeGreaterThan(calm / 10);
    expect(Math.max(...gaps)).toBeLessThan(10_000);
    expect(heapAfter - heapBefore).toBeLessThan(64 * 1024 * 1024);
    expect(rssAfter - rssBefore).toBeLessThan(256 * 1024 * 1024);
  }, 120_000);
});
