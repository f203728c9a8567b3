import sharp from 'sharp';
import { corpusBytes, eventually } from '../support/helpers';
import { RunningService, startService } from '../support/service';

jest.setTimeout(120_000);

/** A flat grey PNG: tens of kB to send, width × height pixels to decode, draw on and encode again. */
const greyPng = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .greyscale()
    .png({ compressionLevel: 9 })
    .toBuffer();

async function annotate(url: string, image: Buffer) {
  const form = new FormData();
  form.append('model', 'yolov5s');
  form.append('format', 'jpeg');
  form.append('image', new Blob([new Uint8Array(image)]), 'image.png');
  const response = await fetch(`${url}/predict/annotated`, { method: 'POST', body: form });
  const body = response.headers.get('content-type')?.startsWith('application/json') ? ((await response.json()) as { detail?: string }) : (await response.arrayBuffer(), null);
  return { status: response.status, retryAfter: response.headers.get('retry-after'), detail: body?.detail };
}

/**
 * POST /predict/annotated under hostile load (issue 20): big images that cost seconds and hundreds of MB to draw
 * were drawn one after another without bound; now the route has the detection path's admission.
 */
describe('POST /predict/annotated admission', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService({ env: { QUEUE_DEPTH: '1', REQUEST_TIMEOUT_MS: '5000' } });
  });
  afterAll(() => service?.stop());

  it('refuses from its header an image over ANNOTATE_MAX_MEGAPIXELS (413), before detecting or drawing', async () => {
    const huge = await greyPng(6300, 6300);
    expect(huge.length).toBeLessThan(200_000);
    const answer = await annotate(service.url, huge);
    expect(answer).toMatchObject({ status: 413, detail: expect.stringContaining('ANNOTATE_MAX_MEGAPIXELS') });
  });

  it('answers a burst with a bounded queue (503 + Retry-After) and a deadline (504), then serves the next request', async () => {
    const big = await greyPng(4000, 4000);
    const answers = await Promise.all(Array.from({ length: 4 }, () => annotate(service.url, big)));
    const refused = answers.filter((answer) => answer.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const answer of refused) expect(answer).toMatchObject({ retryAfter: '1', detail: expect.stringContaining('annotated-image route is at capacity') });
    expect(answers.filter((answer) => answer.status === 504).length).toBeGreaterThanOrEqual(1);
    expect(answers.every((answer) => [200, 503, 504].includes(answer.status))).toBe(true);
    // The abandoned drawing freed its thread: a small image is annotated.
    const bus = corpusBytes('photos/bus.jpg');
    await eventually(async () => (await annotate(service.url, bus)).status === 200, 30_000);
  });
});
