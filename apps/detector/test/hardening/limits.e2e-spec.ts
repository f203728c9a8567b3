import { performance } from 'node:perf_hooks';
import { RunningService, startService } from '../support/service';
import { corpusBytes, predictJson, predictMultipart, residentBytes } from '../support/helpers';

const BOMBS = [
  ['bad/bomb_png_20000x20000_gray_valid.png', '20000x20000'],
  ['bad/bomb_png_65535x65535_rgba_header_only.png', '65535x65535'],
  ['bad/jpeg_sof_patched_65500x65500.jpg', '65500x65500'],
  ['bad/png_width_2147483647x1.png', '2147483647x1'],
  ['bad/sharp/sharp_giant-image_20000x14000.jpg', '20000x14000'],
  ['bad/sharp/sharp_65536-uint32-limit.png', '65536x65536'],
] as const;

describe('input limits, checked before the expensive work', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ env: { LOG_LEVEL: 'warn', BODY_LIMIT_MB: '2' } });
  });

  afterAll(async () => {
    expect(await service.stop()).toBe(0);
  });

  it('a body over BODY_LIMIT_MB is a 413 naming the limit, as JSON and as multipart', async () => {
    const big = Buffer.alloc(2.5 * 1024 * 1024, 0xab);
    for (const answer of [await predictJson(service.url, big), await predictMultipart(service.url, big)]) {
      expect([answer.status, answer.body?.detail]).toEqual([413, 'The request body is too large: the limit is 2 MB.']);
    }
  });

  it.each(BOMBS)('the decompression bomb %s is a 413 from its header, fast and without a memory spike', async (file, size) => {
    const bytes = corpusBytes(file);
    const rssBefore = await residentBytes(service.url);
    for (const send of [predictJson, predictMultipart]) {
      const started = performance.now();
      const answer = await send(service.url, bytes);
      const elapsedMs = performance.now() - started;
      expect([answer.status, answer.body?.detail]).toEqual([413, expect.stringMatching(new RegExp(`^The image is ${size} pixels .*the limit is 40 megapixels\\.$`))]);
      // Decoding would take from seconds (20000x20000: ~20 s) to forever; refusing from the header takes milliseconds.
      expect(elapsedMs).toBeLessThan(1000);
    }
    // A decode would allocate width x height x 4 bytes: 1.6 GB for the smallest of these bombs.
    expect((await residentBytes(service.url)) - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it.each([
    ['bad/png_zero_width_0x10.png', /declares an empty 0x10 image/],
    ['bad/jpeg_sof_patched_0x0.jpg', /declares an empty 0x0 image/],
  ])('an image of zero size (%s) is a 400', async (file, detail) => {
    for (const send of [predictJson, predictMultipart]) {
      const answer = await send(service.url, corpusBytes(file));
      expect([answer.status, answer.body?.detail]).toEqual([400, expect.stringMatching(detail)]);
    }
  });

  it.each([
    ['odd/webp/pillow_hopper.webp', 'WEBP'],
    ['odd/heif_avif/libheif_example.heic', 'HEIC'],
    ['odd/heif_avif/pillow_hopper.avif', 'AVIF'],
  ])('a format other than JPEG/PNG/BMP/TIFF/GIF (%s) is a 415 naming it', async (file, format) => {
    for (const send of [predictJson, predictMultipart]) {
      const answer = await send(service.url, corpusBytes(file));
      expect([answer.status, answer.body?.detail]).toEqual([415, `${format} images are not supported: send JPEG, PNG, BMP, TIFF or GIF.`]);
    }
  });

  it('the service is still ready afterwards', async () => {
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    expect((await predictJson(service.url, corpusBytes('photos/zidane.jpg'))).status).toBe(200);
  });
});

describe('MAX_IMAGE_MEGAPIXELS', () => {
  it('sets the pixel limit: 1 megapixel admits 1280x720 and refuses 1800x1200', async () => {
    const service = await startService({ env: { LOG_LEVEL: 'warn', MAX_IMAGE_MEGAPIXELS: '1' } });
    try {
      expect((await predictMultipart(service.url, corpusBytes('photos/zidane.jpg'))).status).toBe(200);
      const refused = await predictMultipart(service.url, corpusBytes('photos/sam_truck.jpg'));
      expect([refused.status, refused.body?.detail]).toEqual([413, 'The image is 1800x1200 pixels (2.16 megapixels); the limit is 1 megapixels.']);
    } finally {
      await service.stop();
    }
  });
});
