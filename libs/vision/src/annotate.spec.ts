import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Jimp } from 'jimp';
import { annotateImage, annotationStyle } from './annotate';
import { classColours, hexToRgb } from './class-colours';
import { ImageError } from './image-errors';
import { sniffImageFormat } from './image-format';
import { Detection } from './scale-boxes';

const corpus = (relative: string) => readFileSync(resolve(__dirname, '../../../../shared/corpus', relative));

async function solidPng(width: number, height: number, grey: number): Promise<Buffer> {
  const colour = ((grey << 24) | (grey << 16) | (grey << 8) | 0xff) >>> 0;
  return new Jimp({ width, height, color: colour }).getBuffer('image/png');
}

async function decode(bytes: Uint8Array) {
  const image = await Jimp.fromBuffer(Buffer.from(bytes));
  const pixel = (x: number, y: number) => {
    const offset = (y * image.bitmap.width + x) * 4;
    return { r: image.bitmap.data[offset], g: image.bitmap.data[offset + 1], b: image.bitmap.data[offset + 2] };
  };
  return { width: image.bitmap.width, height: image.bitmap.height, pixel };
}

const person: Detection = { x_min: 40, y_min: 60, x_max: 140, y_max: 200, class_name: 'person', confidence: 0.91 };
const bus: Detection = { x_min: 150, y_min: 0, x_max: 300, y_max: 220, class_name: 'bus', confidence: 0.5 };

describe('annotationStyle', () => {
  it("scales the line width with the image (ultralytics' rule) and picks a matching font size", () => {
    expect(annotationStyle(320, 240)).toEqual({ lineWidth: 2, fontSize: 16 });
    expect(annotationStyle(810, 1080)).toEqual({ lineWidth: 3, fontSize: 16 });
    expect(annotationStyle(1800, 1200)).toEqual({ lineWidth: 5, fontSize: 32 });
    expect(annotationStyle(4032, 2688)).toEqual({ lineWidth: 10, fontSize: 64 });
  });
});

describe('annotateImage', () => {
  it('draws each box in its class colour and leaves the inside of the box untouched', async () => {
    const annotated = await annotateImage(await solidPng(320, 240, 128), [person, bus], { format: 'png' });
    expect(annotated).toMatchObject({ mimeType: 'image/png', width: 320, height: 240 });
    expect(sniffImageFormat(annotated.bytes)).toBe('png');
    const { width, height, pixel } = await decode(annotated.bytes);
    expect([width, height]).toEqual([320, 240]);
    expect(pixel(person.x_min, 130)).toEqual(hexToRgb(classColours('person').box));
    expect(pixel(person.x_max - 1, 130)).toEqual(hexToRgb(classColours('person').box));
    expect(pixel(200, bus.y_max - 1)).toEqual(hexToRgb(classColours('bus').box));
    expect(pixel(90, 130)).toEqual({ r: 128, g: 128, b: 128 });
    expect(classColours('person').box).not.toBe(classColours('bus').box);
  });

  it('puts the label on a filled box of the class colour in contrasting text, whatever the photo behind it', async () => {
    const labelHeight = 18; // line height of jimp's 16 px Open Sans, the label font at this image size
    for (const grey of [0, 255]) {
      const annotated = await annotateImage(await solidPng(320, 240, grey), [person], { format: 'png' });
      const { pixel } = await decode(annotated.bytes);
      const background = hexToRgb(classColours('person').box);
      const text = hexToRgb(classColours('person').text);
      let textPixels = 0;
      // Label above the box: 60 - labelHeight .. 60. Every pixel is the label colour, the text colour or a blend of the two.
      for (let y = person.y_min - labelHeight; y < person.y_min; y++) {
        for (let x = person.x_min; x < person.x_min + 60; x++) {
          const { r, g, b } = pixel(x, y);
          const t = (r - background.r) / (text.r - background.r || 1);
          expect(Math.abs(g - (background.g + t * (text.g - background.g)))).toBeLessThanOrEqual(2);
          expect(Math.abs(b - (background.b + t * (text.b - background.b)))).toBeLessThanOrEqual(2);
          if (t > 0.5) textPixels++;
        }
      }
      expect(textPixels).toBeGreaterThan(40); // glyphs were printed
    }
  });

  it('places the label inside the box when there is no room above it', async () => {
    const annotated = await annotateImage(await solidPng(320, 240, 128), [bus], { format: 'png' });
    const { pixel } = await decode(annotated.bytes);
    expect(pixel(bus.x_min + 4, bus.y_min + 4)).not.toEqual({ r: 128, g: 128, b: 128 });
  });

  it('encodes JPEG on request', async () => {
    const annotated = await annotateImage(await solidPng(320, 240, 128), [person], { format: 'jpeg', jpegQuality: 80 });
    expect(annotated.mimeType).toBe('image/jpeg');
    expect(sniffImageFormat(annotated.bytes)).toBe('jpeg');
    expect((await decode(annotated.bytes)).width).toBe(320);
  });

  it('draws on the upright image of an EXIF-rotated photo, the space the boxes are in', async () => {
    // Stored 2x1 with EXIF orientation 8 (rotate 90° counter-clockwise): upright it is 1x2.
    const annotated = await annotateImage(corpus('odd/jpeg/pillow_orientation_rectangle.jpg'), [], { format: 'png' });
    expect([annotated.width, annotated.height]).toEqual([1, 2]);
  });

  it('rejects a format the service does not decode with an ImageError', async () => {
    const webp = corpus('odd/webp/pillow_hopper.webp');
    await expect(annotateImage(webp, [person], { format: 'png' })).rejects.toMatchObject({ name: 'ImageError', kind: 'unsupported-format' });
    await expect(annotateImage(webp, [person], { format: 'png' })).rejects.toBeInstanceOf(ImageError);
  });
});
