import { Jimp, loadFont, measureText } from 'jimp';
import { ClassColours, classColours, hexToRgb, Rgb } from './class-colours';
import { decodeImage } from './image-decoder';
import { AnnotatedImage, AnnotatedImageFormat, ANNOTATED_IMAGE_MIME_TYPES, AnnotateOptions } from './annotation-format';
import { Detection } from './scale-boxes';

// jimp's font loader and 'jimp/fonts' live behind export maps, which this project's `moduleResolution: node` cannot
// type: the font type comes from measureText, the font paths through a typed require.
type BitmapFont = Parameters<typeof measureText>[0];
type FontSize = 16 | 32 | 64;
type FontColour = 'BLACK' | 'WHITE';
const jimpFonts: Record<`SANS_${FontSize}_${FontColour}`, string> = require('jimp/fonts');

/** jimp's bitmap fonts come in fixed sizes and two colours; the label text uses whichever contrasts with its background. */
function fontFile(size: FontSize, text: ClassColours['text']): string {
  return jimpFonts[`SANS_${size}_${text === '#000000' ? 'BLACK' : 'WHITE'}`];
}

const fontCache = new Map<string, Promise<BitmapFont>>();

function font(file: string): Promise<BitmapFont> {
  const loaded: Promise<BitmapFont> = fontCache.get(file) ?? loadFont(file);
  fontCache.set(file, loaded);
  return loaded;
}

/** Line width and label size grow with the image, as in ultralytics' Annotator (lw = 0.3 % of the mean side, at least 2). */
export function annotationStyle(width: number, height: number): { lineWidth: number; fontSize: FontSize } {
  const lineWidth = Math.max(Math.round(((width + height) / 2) * 0.003), 2);
  // cv2's labels are about 7 px tall per line-width unit; take the nearest bitmap font size.
  const target = 7 * lineWidth;
  const fontSize = ([16, 32, 64] as const).reduce((best, size) => (Math.abs(size - target) < Math.abs(best - target) ? size : best));
  return { lineWidth, fontSize };
}

/** Fills a rectangle (inclusive-exclusive corners), clipped to the bitmap. */
function fillRect(bitmap: { width: number; height: number; data: Buffer }, x0: number, y0: number, x1: number, y1: number, { r, g, b }: Rgb) {
  const left = Math.max(0, Math.floor(x0));
  const top = Math.max(0, Math.floor(y0));
  const right = Math.min(bitmap.width, Math.ceil(x1));
  const bottom = Math.min(bitmap.height, Math.ceil(y1));
  for (let y = top; y < bottom; y++) {
    for (let offset = (y * bitmap.width + left) * 4, x = left; x < right; x++, offset += 4) {
      bitmap.data[offset] = r;
      bitmap.data[offset + 1] = g;
      bitmap.data[offset + 2] = b;
      bitmap.data[offset + 3] = 255;
    }
  }
}

export const labelText = (detection: Detection) => `${detection.class_name} ${detection.confidence.toFixed(2)}`;

/**
 * Draws the detections onto the image (EXIF orientation applied, as the boxes assume) and encodes it as PNG or
 * JPEG. Each class has its palette colour; every label sits on a filled box of that colour with black or white
 * text, whichever contrasts more, so it reads on any photo. Runs off the event loop (it decodes and encodes).
 */
export async function annotateImage(image: Uint8Array, detections: readonly Detection[], options: AnnotateOptions): Promise<AnnotatedImage> {
  const { width, height, data } = await decodeImage(image);
  const canvas = Jimp.fromBitmap({ width, height, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
  const { lineWidth, fontSize } = annotationStyle(width, height);
  // Least confident first, so the most confident box and label end up on top.
  const ordered = [...detections].sort((a, b) => a.confidence - b.confidence);
  const colours = ordered.map((detection) => classColours(detection.class_name, options.classNames));

  ordered.forEach(({ x_min, y_min, x_max, y_max }, i) => {
    const colour = hexToRgb(colours[i].box);
    fillRect(canvas.bitmap, x_min, y_min, x_max, y_min + lineWidth, colour);
    fillRect(canvas.bitmap, x_min, y_max - lineWidth, x_max, y_max, colour);
    fillRect(canvas.bitmap, x_min, y_min, x_min + lineWidth, y_max, colour);
    fillRect(canvas.bitmap, x_max - lineWidth, y_min, x_max, y_max, colour);
  });

  // Labels after every box, so no box line crosses a label.
  for (const [i, detection] of ordered.entries()) {
    const labelFont = await font(fontFile(fontSize, colours[i].text));
    const text = labelText(detection);
    const padding = Math.max(2, Math.round(fontSize / 8));
    const labelWidth = measureText(labelFont, text) + 2 * padding;
    const labelHeight = labelFont.common.lineHeight;
    // Above the box when it fits, otherwise just inside its top edge; never past the right edge of the image.
    const x = Math.max(0, Math.min(detection.x_min, width - labelWidth));
    const y = detection.y_min - labelHeight >= 0 ? detection.y_min - labelHeight : detection.y_min;
    fillRect(canvas.bitmap, x, y, x + labelWidth, y + labelHeight, hexToRgb(colours[i].box));
    canvas.print({ font: labelFont, x: x + padding, y, text });
  }

  const mimeType = ANNOTATED_IMAGE_MIME_TYPES[options.format];
  const bytes =
    options.format === 'jpeg' ? await canvas.getBuffer('image/jpeg', { quality: options.jpegQuality ?? 90 }) : await canvas.getBuffer('image/png');
  return { bytes, mimeType, width, height };
}
