import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeImage } from './image-decoder';
import { ImageError } from './image-errors';
import { RgbaBitmap } from './letterbox';

const corpus = resolve(__dirname, '../../../../shared/corpus');
const decodeFile = (relative: string) => decodeImage(readFileSync(join(corpus, relative)));

/** Mean absolute difference of the RGB channels of two same-sized bitmaps (0..255). */
function meanDifference(a: RgbaBitmap, b: RgbaBitmap): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    sum += Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]);
  }
  return sum / ((a.data.length / 4) * 3);
}

describe('decodeImage', () => {
  it('applies EXIF orientation: all eight orientations of a photo decode upright and alike', async () => {
    const reference = await decodeFile('odd/exif_landscape_1.jpg');
    expect([reference.width, reference.height]).toEqual([1800, 1200]);
    for (const orientation of [2, 3, 4, 5, 6, 7, 8]) {
      const image = await decodeFile(`odd/exif_landscape_${orientation}.jpg`);
      expect([orientation, image.width, image.height]).toEqual([orientation, 1800, 1200]);
      // Same picture up to JPEG noise; a wrong rotation or mirror gives a difference of tens of levels.
      expect(meanDifference(image, reference)).toBeLessThan(6);
    }
  });

  it('gives portrait photos stored sideways their upright size', async () => {
    const image = await decodeFile('odd/exif_portrait_6.jpg');
    expect([image.width, image.height]).toEqual([1200, 1800]);
  });

  it('decodes PNG with alpha into RGBA', async () => {
    const image = await decodeFile('odd/pngsuite/PngSuite.png');
    expect(image).toMatchObject({ width: 256, height: 256, channels: 4 });
  });

  it.each([
    ['bad/empty_0_bytes.jpg', /empty/],
    ['bad/text_renamed.jpg', /not an image/],
    ['bad/bus_truncated_header_only_2000B.jpg', /could not be decoded|unusable/],
  ])('refuses %s with a clear message', async (file, message) => {
    const error = await decodeFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).message).toMatch(message);
  });

  it('refuses WebP as an unsupported format, naming it', async () => {
    const error = (await decodeFile('odd/webp/pillow_hopper.webp').catch((e: unknown) => e)) as ImageError;
    expect(error.kind).toBe('unsupported-format');
    expect(error.message).toMatch(/^WEBP images are not supported/);
  });
});
