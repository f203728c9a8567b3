import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DECODABLE_FORMATS, readJpegFrame, sniffImageFormat } from './image-format';

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

describe('readJpegFrame', () => {
  const frameOf = (relative: string) => readJpegFrame(readFileSync(join(corpus, relative)));

  it('reads the bits per sample and the stored size from the frame header, whatever the coding', () => {
    expect(frameOf('odd/jpeg/libjpegturbo_monkey12.jpg')).toEqual({ precision: 12, width: 149, height: 227 });
    expect(frameOf('photos/bus.jpg')).toEqual({ precision: 8, width: 810, height: 1080 }); // baseline, after EXIF
    expect(frameOf('odd/jpeg/libjpegturbo_testimgari.jpg')).toEqual({ precision: 8, width: 227, height: 149 }); // arithmetic (SOF9)
    expect(frameOf('odd/jpeg/sharp_testimgl_lossless.jpg')).toEqual({ precision: 8, width: 227, height: 149 }); // lossless (SOF3)
  });

  it('skips what libjpeg skips with a warning: junk bytes and FF 00 pairs between header segments', () => {
    expect(frameOf('odd/jpeg/pillow_junk_jpeg_header.jpg')).toEqual({ precision: 8, width: 1024, height: 768 });
    expect(frameOf('odd/jpeg/pillow_jpeg_ff00_header.jpg')).toEqual({ precision: 8, width: 300, height: 225 });
    const frame = [0xff, 0xc0, 0x00, 0x0b, 8, 0x01, 0x00, 0x02, 0x00, 1, 1, 0x11, 0];
    expect(readJpegFrame(Uint8Array.from([0xff, 0xd8, 0x68, 0x69, 0xff, 0x00, 0xff, 0xff, ...frame]))).toEqual({ precision: 8, width: 512, height: 256 });
  });

  it('steps over fill bytes and stops at the scan or the end of the data', () => {
    const frame = [0xff, 0xc2, 0x00, 0x0b, 12, 0, 1, 0, 1, 1, 1, 0x11, 0];
    expect(readJpegFrame(Uint8Array.from([0xff, 0xd8, 0xff, 0xff, ...frame]))?.precision).toBe(12);
    expect(readJpegFrame(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6, ...frame]))).toBeNull();
    expect(frameOf('bad/bus_truncated_header_only_2000B.jpg')).toBeNull();
    expect(frameOf('bad/sharp/sharp_corrupt-header.jpg')).toBeNull();
    expect(readJpegFrame(Uint8Array.from([0xff, 0xd8]))).toBeNull();
    expect(readJpegFrame(Uint8Array.from([0xff, 0xd8, ...frame.slice(0, 7)]))).toBeNull(); // cut inside the frame header
  });
});
