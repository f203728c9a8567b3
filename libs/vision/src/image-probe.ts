import { imageSize } from 'image-size';
import { DECODABLE_FORMATS, ImageFormat, readJpegFrame, sniffImageFormat } from './image-format';
import { ImageError } from './image-errors';

export interface ImageLimits {
  /** Largest width × height accepted, as declared by the image header. */
  maxPixels: number;
}

export interface ImageProbe {
  format: ImageFormat;
  /** Stored dimensions (before EXIF orientation, which does not change the pixel count). */
  width: number;
  height: number;
}

/** 40 megapixels: every phone photo fits (a 48 MP sensor saves 12 MP by default), while a 1.6 GB RGBA bitmap does not. */
export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({ maxPixels: 40_000_000 });

const ACCEPTED = 'send JPEG, PNG, BMP, TIFF or GIF';

/** The upload's format if the service decodes it; otherwise an ImageError (415 naming the format, or 400). */
export function decodableFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length === 0) throw new ImageError('undecodable', 'The image is empty (0 bytes).');
  const format = sniffImageFormat(bytes);
  if (format === null) throw new ImageError('undecodable', `The data is not an image: ${ACCEPTED}.`);
  if (!DECODABLE_FORMATS.has(format)) throw new ImageError('unsupported-format', `${format.toUpperCase()} images are not supported: ${ACCEPTED}.`);
  return format;
}

const megapixels = (pixels: number) => `${Number((pixels / 1e6).toPrecision(3))} megapixels`;

/**
 * Reads format and dimensions from the header alone (no pixel data is touched, a few microseconds even for a
 * 20 MB file) and refuses what must not reach a decoder: a decompression bomb declares billions of pixels in a few
 * hundred bytes, and decoders allocate width × height × 4 bytes before reading any pixel.
 */
export function probeImage(bytes: Uint8Array, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): ImageProbe {
  const format = decodableFormat(bytes);
  const { width, height } = format === 'jpeg' ? jpegSize(bytes) : headerSize(bytes, format);
  if (!(Number.isSafeInteger(width) && Number.isSafeInteger(height) && width > 0 && height > 0)) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} header declares an empty ${width}x${height} image.`);
  }
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    throw new ImageError('too-large', `The image is ${width}x${height} pixels (${megapixels(pixels)}); the limit is ${megapixels(limits.maxPixels)}.`);
  }
  return { format, width, height };
}

const unreadableHeader = (format: ImageFormat, reason: string) =>
  new ImageError('undecodable', `The ${format.toUpperCase()} header could not be read (${reason}): the file is truncated or corrupt.`);

/**
 * A JPEG's size is read from its frame header as libjpeg finds it (`readJpegFrame`): image-size stops at junk between
 * header segments and at arithmetic-coded frames, which the decoder reads and Pillow too.
 */
function jpegSize(bytes: Uint8Array): { width: number; height: number } {
  const frame = readJpegFrame(bytes);
  if (!frame) throw unreadableHeader('jpeg', 'no frame header before the image data');
  return frame;
}

function headerSize(bytes: Uint8Array, format: ImageFormat): { width: number; height: number } {
  try {
    const { width, height } = imageSize(bytes);
    return { width: width ?? 0, height: height ?? 0 };
  } catch (error) {
    throw unreadableHeader(format, (error as Error).message);
  }
}
