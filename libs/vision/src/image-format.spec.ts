import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DECODABLE_FORMATS, sniffImageFormat } from './image-format';

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
