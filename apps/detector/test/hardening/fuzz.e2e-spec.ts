import { RunningService, startService } from '../support/service';
import { mulberry32 } from '@app/onnx-writer';
import { answerOf, corpusBytes, mapConcurrently, mutatedImage } from '../support/helpers';

/** Fixed, so a failing fuzz case can be replayed. */
const SEED = 20_240_611;
const random = mulberry32(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const integer = (below: number) => Math.floor(random() * below);

interface FuzzCase {
  name: string;
  request: () => RequestInit;
}

const SEEDS = ['odd/jpeg/pillow_hopper.jpg', 'odd/png/pillow_hopper.png', 'odd/gif/pillow_hopper.gif', 'odd/tiff/pillow_hopper_lzw.tif', 'odd/jpeg/pillow_exif_gps.jpg'].map((file) => ({
  file,
  bytes: corpusBytes(file),
}));

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const multipart = (fields: Record<string, string>, image?: Uint8Array, fileField = 'image'): RequestInit => {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  if (image) form.append(fileField, new Blob([new Uint8Array(image)]), 'upload.bin');
  return { method: 'POST', body: form };
};

const STRANGE_VALUES: unknown[] = [1e308, -1e308, 2 ** 64, -1, 0, 1.5, 'NaN', 'Infinity', '1e999', '', null, true, [], {}, [0.5], 'ten', 'x'.repeat(10_000), { $gt: 0 }];
const OPTIONAL_FIELDS = ['confidence_threshold', 'iou_threshold', 'max_detections', 'classes', 'model'];

function fuzzCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const image = corpusBytes('odd/jpeg/pillow_hopper.jpg');
  for (let i = 0; i < 150; i++) {
    const { name, bytes } = mutatedImage(random, SEEDS);
    cases.push(
      random() < 0.5
        ? { name: `JSON: ${name}`, request: () => json({ model: 'yolov5s', image: bytes.toString('base64') }) }
        : { name: `multipart: ${name}`, request: () => multipart({ model: 'yolov5s' }, bytes) },
    );
  }
  for (let i = 0; i < 60; i++) {
    const field = pick(OPTIONAL_FIELDS);
    const value = pick(STRANGE_VALUES);
    cases.push({ name: `JSON with ${field}=${JSON.stringify(value)?.slice(0, 40)}`, request: () => json({ model: 'yolov5s', image: image.toString('base64'), [field]: value }) });
    cases.push({ name: `multipart with ${field}=${String(value).slice(0, 40)}`, request: () => multipart({ model: 'yolov5s', [field]: String(value) }, image) });
  }
  const valid = JSON.stringify({ model: 'yolov5s', image: image.toString('base64') });
  for (let i = 0; i < 30; i++) {
    const cut = integer(valid.length);
    cases.push({ name: `JSON cut at ${cut}`, request: () => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: valid.slice(0, cut) }) });
  }
  const oddBodies: [string, () => RequestInit][] = [
    ['raw JPEG as image/jpeg', () => ({ method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: image })],
    ['JSON as text/plain', () => ({ method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: valid })],
    ['XML', () => ({ method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: '<predict><model>yolov5s</model></predict>' })],
    ['form-urlencoded', () => ({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `model=yolov5s&image=${encodeURIComponent(image.toString('base64'))}` })],
    ['multipart with the file under another name', () => multipart({ model: 'yolov5s' }, image, 'file')],
    ['multipart without a model', () => multipart({}, image)],
    ['multipart with two files', () => { const init = multipart({ model: 'yolov5s' }, image); (init.body as FormData).append('image', new Blob([image]), 'b.jpg'); return init; }],
    ['multipart with a broken boundary', () => ({ method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' }, body: '--xyz\r\nContent-Disposition: form-data; name="model"\r\n\r\nyolov5s\r\n--xy' })],
    ['deeply nested JSON', () => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '['.repeat(5000) + ']'.repeat(5000) })],
    ['a JSON array', () => json([{ model: 'yolov5s' }])],
    ['a JSON string', () => json('yolov5s')],
    ['JSON null', () => json(null)],
    ['prototype keys', () => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: `{"__proto__":{"model":"yolov5s"},"constructor":{"prototype":{"x":1}},"model":"__proto__","image":"${image.toString('base64')}"}` })],
    ['a model name that is a path', () => json({ model: '../../etc/passwd', image: image.toString('base64') })],
    ['a 100 kB model name', () => json({ model: 'y'.repeat(100_000), image: image.toString('base64') })],
    ['random bytes as JSON', () => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: Buffer.from(Array.from({ length: 2048 }, () => integer(256))) })],
    ['JSON in UTF-16', () => ({ method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-16' }, body: Buffer.from(valid, 'utf16le') })],
    ['gzip-encoded JSON that is not gzip', () => ({ method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: valid })],
    ['an invalid X-Request-Id', () => ({ ...json({ model: 'yolov5s', image: image.toString('base64') }), headers: { 'Content-Type': 'application/json', 'X-Request-Id': '<script> "x"\\n'.repeat(40) } })],
    ['PUT /predict', () => ({ ...json({ model: 'yolov5s' }), method: 'PUT' })],
  ];
  for (const [name, request] of oddBodies) cases.push({ name, request });
  return cases;
}

describe(`seeded fuzzing of POST /predict (seed ${SEED})`, () => {
  let service: RunningService;
  const cases = fuzzCases();

  beforeAll(async () => {
    service = await startService({ env: { LOG_LEVEL: 'error', QUEUE_DEPTH: '64', BODY_LIMIT_MB: '5' } });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it(`answers all ${cases.length} payloads with a status below 500 and stays up`, async () => {
    expect(cases.length).toBeGreaterThan(300);
    const answers = await mapConcurrently(cases, 2, async ({ name, request }) => {
      try {
        const { status, body } = await answerOf(await fetch(`${service.url}/predict`, request()));
        return { name, status, detail: body && 'detail' in body ? body.detail : undefined };
      } catch (error) {
        return { name, status: 0, detail: String(error) };
      }
    });
    const failures = answers.filter(({ status, detail }) => status === 0 || status >= 500 || (status >= 400 && typeof detail !== 'string'));
    expect(failures).toEqual([]);
    // Both kinds of outcome occur: the mutations are not all rejected up front.
    expect(answers.some(({ status }) => status === 200)).toBe(true);
    expect(answers.some(({ status }) => status === 400)).toBe(true);
    expect(service.process.exitCode).toBeNull();
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
  }, 300_000);
});
