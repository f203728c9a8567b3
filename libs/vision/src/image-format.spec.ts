import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DECODABLE_FORMATS, readJpegFrame, readJpegOrientation, sniffImageFormat, swapsWidthAndHeight } from './image-format';

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

describe('readJpegOrientation', () => {
  const orientationOf = (relative: string) => readJpegOrientation(readFileSync(join(corpus, relative)));

  /** A JPEG header: a JFIF segment, an APP1 EXIF block per entry list (tag, type, count, value), a frame header, the scan. */
  function jpegWithExif(littleEndian: boolean, ...blocks: [number, number, number, number][][]): Uint8Array {
    const u16 = (value: number) => (littleEndian ? [value & 0xff, value >> 8] : [value >> 8, value & 0xff]);
    const u32 = (value: number) => (littleEndian ? [...u16(value & 0xffff), ...u16(value >>> 16)] : [...u16(value >>> 16), ...u16(value & 0xffff)]);
    const app1 = (entries: [number, number, number, number][]) => {
      const tiff = [...(littleEndian ? [0x49, 0x49, 0x2a, 0x00] : [0x4d, 0x4d, 0x00, 0x2a]), ...u32(8), ...u16(entries.length)];
      const ifd = entries.flatMap(([tag, type, count, value]) => [...u16(tag), ...u16(type), ...u32(count), ...u16(value), 0, 0]);
      const payload = [...Buffer.from('Exif\0\0', 'latin1'), ...tiff, ...ifd, 0, 0, 0, 0];
      return [0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload];
    };
    const frame = [0xff, 0xc0, 0x00, 0x0b, 8, 0x01, 0x00, 0x02, 0x00, 1, 1, 0x11, 0];
    const jfif = [0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0', 'latin1'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
    return Uint8Array.from([0xff, 0xd8, ...jfif, ...blocks.flatMap(app1), ...frame, 0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6]);
  }

  it('reads the EXIF orientation of photos turned every way, and 1 without one', () => {
    for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) expect([orientation, orientationOf(`odd/exif_landscape_${orientation}.jpg`)]).toEqual([orientation, orientation]);
    expect(orientationOf('odd/exif_portrait_6.jpg')).toBe(6);
    expect(orientationOf('photos/bus.jpg')).toBe(1); // an EXIF block saying 1
    expect(orientationOf('photos/zidane.jpg')).toBe(1); // no EXIF block
  });

  it('reads either byte order, and finds EXIF after other segments', () => {
    for (const littleEndian of [true, false]) {
      expect(readJpegOrientation(jpegWithExif(littleEndian, [[0x010f, 2, 4, 0], [0x0112, 3, 1, 6]]))).toBe(6);
      expect(readJpegOrientation(jpegWithExif(littleEndian, [[0x010f, 2, 4, 0]]))).toBe(1); // a block without the tag
    }
  });

  it('answers null, for the decoder to say, when the answer is not plain', () => {
    expect(orientationOf('odd/exif_landscape_0.jpg')).toBeNull(); // 0 is no orientation
    expect(orientationOf('odd/jpeg/pillow_hopper_bad_exif.jpg')).toBeNull();
    expect(orientationOf('bad/bus_truncated_header_only_2000B.jpg')).toBeNull(); // cut before the image data
    expect(readJpegOrientation(jpegWithExif(true, [[0x0112, 3, 1, 6]], [[0x0112, 3, 1, 1]]))).toBeNull(); // two EXIF blocks
    expect(readJpegOrientation(jpegWithExif(true, [[0x0112, 3, 1, 6], [0x0112, 3, 1, 6]]))).toBeNull(); // the tag twice
    expect(readJpegOrientation(jpegWithExif(true, [[0x0112, 4, 1, 6]]))).toBeNull(); // not a SHORT
    expect(readJpegOrientation(jpegWithExif(true, [[0x0112, 3, 1, 9]]))).toBeNull();
  });

  it('knows which orientations turn the picture a quarter', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].filter(swapsWidthAndHeight)).toEqual([5, 6, 7, 8]);
  });
});
