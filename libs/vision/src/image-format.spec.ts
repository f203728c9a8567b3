import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DECODABLE_FORMATS, jpegSamplePrecision, sniffImageFormat } from './image-format';

const corpus = resolve(__dirname, '../../../../shared/corpus');
const sniffFile = (relative: string) => sniffImageFormat(readFileSync(join(corpus, relative)));

describe('sniffImageFormat', () => {
  it('recognises the decodable formats from their signatures', () => {
    expect(sniffFile('photos/bus.jpg')).toBe('jpeg');
    expect(sniffFile('photos/groundingdino_cats.png')).toBe('png');
    // content wins over a lying extension
    expect(sniffFile('odd/mislabeled_png_content.jpg')).toBe('png');
    expect(sniffFile('odd/mislabeled_jpeg_content.png')).toBe('jpeg');
  });

  it('names the formats the service refuses', () => {
    for (const file of readdirSync(join(corpus, 'odd/webp'))) expect(sniffFile(`odd/webp/${file}`)).toBe('webp');
    const heif = readdirSync(join(corpus, 'odd/heif_avif')).map((file) => sniffFile(`odd/heif_avif/${file}`));
    expect(heif.every((format) => format === 'heic' || format === 'avif')).toBe(true);
    expect(heif).toContain('avif');
    expect(DECODABLE_FORMATS.has('webp')).toBe(false);
  });

  it('returns null for text, HTML and random bytes', () => {
    expect(sniffFile('bad/text_renamed.jpg')).toBeNull();
    expect(sniffFile('bad/html_renamed.png')).toBeNull();
    expect(sniffImageFormat(new Uint8Array(0))).toBeNull();
  });

  it('recognises GIF, BMP and TIFF headers', () => {
    expect(sniffImageFormat(Buffer.from('GIF89a....'))).toBe('gif');
    expect(sniffImageFormat(Buffer.from('BM........'))).toBe('bmp');
    expect(sniffImageFormat(Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]))).toBe('tiff');
  });
});

describe('jpegSamplePrecision', () => {
  const precisionOf = (relative: string) => jpegSamplePrecision(readFileSync(join(corpus, relative)));

  it('reads the bits per sample from the frame header, whatever the coding', () => {
    expect(precisionOf('odd/jpeg/libjpegturbo_monkey12.jpg')).toBe(12);
    expect(precisionOf('photos/bus.jpg')).toBe(8); // baseline, after EXIF
    expect(precisionOf('odd/jpeg/libjpegturbo_testimgari.jpg')).toBe(8); // arithmetic coding (SOF9)
  });

  it('steps over fill bytes and stops at the scan or the end of the data', () => {
    const frame = [0xff, 0xc2, 0x00, 0x0b, 12, 0, 1, 0, 1, 1, 1, 0x11, 0];
    expect(jpegSamplePrecision(Uint8Array.from([0xff, 0xd8, 0xff, 0xff, ...frame]))).toBe(12);
    expect(jpegSamplePrecision(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6, ...frame]))).toBeNull();
    expect(precisionOf('bad/bus_truncated_header_only_2000B.jpg')).toBeNull();
    expect(jpegSamplePrecision(Uint8Array.from([0xff, 0xd8]))).toBeNull();
  });
});
