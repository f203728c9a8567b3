import { RunningService, startService } from '../support/service';
import { Answer, corpusBytes, corpusFiles, mapConcurrently, predictJson, predictMultipart } from '../support/helpers';

/**
 * The whole image corpus (photos, odd and bad files, ~290) through POST /predict as base64 JSON and as multipart:
 * every answer is a 200 with detections or a 4xx whose detail says what is wrong, never a 5xx, and the service is
 * still alive and ready afterwards.
 */
describe('the image corpus through /predict', () => {
  let service: RunningService;
  const files = corpusFiles();
  const outcomes: { file: string; encoding: string; answer: Answer }[] = [];

  beforeAll(async () => {
    service = await startService({ env: { LOG_LEVEL: 'warn', QUEUE_DEPTH: '64' } });
    // Two requests at a time keep both inference workers busy without queueing.
    await mapConcurrently(
      files.flatMap((file) => (['json', 'multipart'] as const).map((encoding) => ({ file, encoding }))),
      2,
      async ({ file, encoding }) => {
        const bytes = corpusBytes(file);
        const answer = await (encoding === 'json' ? predictJson : predictMultipart)(service.url, bytes);
        outcomes.push({ file, encoding, answer });
      },
    );
  }, 600_000);

  afterAll(async () => {
    await service?.stop();
  });

  it('covers the corpus', () => {
    expect(files.length).toBeGreaterThan(280);
    expect(outcomes).toHaveLength(files.length * 2);
  });

  it('answers every file with a 200 or a 4xx with a clear message, never a 5xx', () => {
    const unclear = outcomes.filter(({ answer }) => {
      if (answer.status === 200) return !Array.isArray(answer.body?.detections);
      return !(answer.status >= 400 && answer.status < 500 && typeof answer.body?.detail === 'string' && answer.body.detail.length > 10);
    });
    expect(unclear.map(({ file, encoding, answer }) => `${file} (${encoding}): ${answer.status} ${JSON.stringify(answer.body)}`)).toEqual([]);
  });

  it('answers both encodings of a file alike', () => {
    const byFile = new Map<string, number[]>();
    for (const { file, answer } of outcomes) byFile.set(file, [...(byFile.get(file) ?? []), answer.status]);
    const differing = [...byFile].filter(([, [a, b]]) => a !== b);
    expect(differing).toEqual([]);
  });

  it('detects in every photo', () => {
    const photos = outcomes.filter(({ file }) => file.startsWith('photos/'));
    expect(photos.length).toBeGreaterThan(20);
    expect(photos.filter(({ answer }) => answer.status !== 200).map(({ file }) => file)).toEqual([]);
  });

  it('refuses the bombs with 413 and the non-images and broken files with 4xx', () => {
    const statusOf = (file: string) => new Set(outcomes.filter((outcome) => outcome.file === file).map(({ answer }) => answer.status));
    expect(statusOf('bad/bomb_png_20000x20000_gray_valid.png')).toEqual(new Set([413]));
    expect(statusOf('bad/jpeg_sof_patched_65500x65500.jpg')).toEqual(new Set([413]));
    expect(statusOf('bad/text_renamed.jpg')).toEqual(new Set([400]));
    for (const truncated of ['bad/bus_truncated_50pct.jpg', 'bad/sharp/sharp_truncated.jpg', 'bad/hopper_truncated_50pct.png', 'bad/bus_truncated_header_only_2000B.jpg']) {
      expect([truncated, statusOf(truncated)]).toEqual([truncated, new Set([400])]);
    }
    expect(statusOf('odd/webp/pillow_hopper.webp')).toEqual(new Set([415]));
  });

  it('answers the JPEGs PIL reads although libjpeg warns (junk between segments, a damaged EXIF block) or that are arithmetic-coded', () => {
    const files = ['odd/jpeg/pillow_hopper_bad_exif.jpg', 'odd/jpeg/pillow_jpeg_ff00_header.jpg', 'odd/jpeg/pillow_junk_jpeg_header.jpg', 'odd/jpeg/libjpegturbo_testimgari.jpg'];
    const refused = outcomes.filter(({ file, answer }) => files.includes(file) && answer.status !== 200);
    expect(refused.map(({ file, encoding, answer }) => `${file} (${encoding}): ${answer.status} ${JSON.stringify(answer.body)}`)).toEqual([]);
    expect(outcomes.filter(({ file }) => files.includes(file))).toHaveLength(2 * files.length);
  });

  it('is alive and ready afterwards', async () => {
    expect(service.process.exitCode).toBeNull();
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    expect((await predictJson(service.url, corpusBytes('photos/bus.jpg'))).status).toBe(200);
  });
});
