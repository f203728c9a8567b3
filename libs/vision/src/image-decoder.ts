import { Jimp } from 'jimp';
import { ImageError } from './image-errors';
import { decodableFormat } from './image-probe';
import { RgbaBitmap } from './letterbox';

/**
 * Decodes an upload into an upright RGBA bitmap (EXIF orientation applied), or throws an ImageError. Callers check
 * the header against the pixel limit first (`probeImage`): this decodes whatever size the file declares.
 */
export async function decodeImage(bytes: Uint8Array): Promise<RgbaBitmap> {
  const format = decodableFormat(bytes);
  let image: Awaited<ReturnType<typeof Jimp.fromBuffer>>;
  try {
    image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} image could not be decoded: ${(error as Error).message}`);
  }
  // Some broken files decode "successfully" into nothing (a PNG with width 0, a GIF without frames).
  const { width, height, data } = image.bitmap;
  if (!(Number.isSafeInteger(width) && Number.isSafeInteger(height) && width > 0 && height > 0) || data.length < width * height * 4) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} image decoded to an unusable ${width}x${height} bitmap.`);
  }
  return { width, height, data, channels: 4 };
}
