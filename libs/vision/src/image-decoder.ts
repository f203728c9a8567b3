import { Jimp } from 'jimp';
import { DECODABLE_FORMATS, sniffImageFormat } from './image-format';
import { ImageError } from './image-errors';
import { RgbaBitmap } from './letterbox';

/** Decodes an upload into an upright RGBA bitmap (EXIF orientation applied), or throws an ImageError. */
export async function decodeImage(bytes: Uint8Array): Promise<RgbaBitmap> {
  if (bytes.length === 0) throw new ImageError('undecodable', 'The image is empty (0 bytes).');
  const format = sniffImageFormat(bytes);
  if (format === null) {
    throw new ImageError('undecodable', 'The data is not an image: expected JPEG, PNG, BMP, TIFF or GIF.');
  }
  if (!DECODABLE_FORMATS.has(format)) {
    throw new ImageError('unsupported-format', `${format.toUpperCase()} images are not supported: send JPEG, PNG, BMP, TIFF or GIF.`);
  }
  let image: Awaited<ReturnType<typeof Jimp.fromBuffer>>;
  try {
    image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} image could not be decoded: ${(error as Error).message}`);
  }
  const { width, height, data } = image.bitmap;
  if (!(width > 0 && height > 0) || data.length < width * height * 4) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} image decoded to an unusable ${width}x${height} bitmap.`);
  }
  return { width, height, data, channels: 4 };
}
