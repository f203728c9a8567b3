import { Jimp } from 'jimp';
import sharp from 'sharp';
import { ImageError } from './image-errors';
import { ImageFormat, readJpegFrame } from './image-format';
import { decodableFormat } from './image-probe';
import { InputSize, RgbaBitmap } from './letterbox';

/**
 * Which library decodes what (chosen by measurement, see the README's Benchmarks):
 * - sharp (libvips with libjpeg-turbo, libspng, libtiff, cgif) for JPEG, PNG, GIF and TIFF: 5-20x faster than jimp's
 *   pure-JS decoders, and its JPEG decoder gives the same pixels as torch hub's PIL. Asked for a much smaller size,
 *   a JPEG at least SHRINK_ON_LOAD_MIN_FACTOR times larger than the target is resampled while decoding (libjpeg's
 *   DCT scaling); everything else comes back at full size for the letterbox's cv2-exact resize.
 * - jimp for BMP (no BMP loader in sharp's libvips) and for 12-bit JPEGs (libjpeg-turbo is built for 8-bit only).
 *
 * sharp must also be loaded on the main thread (importing this lib does it): libvips then stays loaded when a
 * worker thread that used it exits.
 */
export type ImageDecoderName = 'sharp' | 'sharp-shrink-on-load' | 'jimp';

/**
 * A JPEG is shrunk on load when it is at least this many times larger than its target on both axes: sharp then
 * decodes it at 1/2 (1/4, 1/8) size with libjpeg's DCT scaling and leaves at least a factor of 2 to the final
 * resize. Below that, the whole decode plus cv2's exact INTER_LINEAR costs little more and matches AutoShape.
 */
export const SHRINK_ON_LOAD_MIN_FACTOR = 4;

export interface DecodeOptions {
  /**
   * The size the caller will resample the upright image to (e.g. its letterboxed size), given its full size. A JPEG
   * at least SHRINK_ON_LOAD_MIN_FACTOR times larger comes back at that size, shrunk on load; anything else at full
   * size.
   */
  resampleTo?: (fullSize: InputSize) => InputSize;
}

export interface DecodedImage extends RgbaBitmap {
  channels: 4;
  /** Upright size of the stored picture: larger than the bitmap when it was resampled on decoding. */
  fullSize: InputSize;
  decoder: ImageDecoderName;
}

// libvips caches recent operations by default: no use for one-off uploads, and it holds memory.
sharp.cache(false);

/**
 * Decodes an upload into an upright RGBA bitmap (EXIF orientation applied, embedded colour profiles ignored as
 * PIL does), or throws an ImageError. Callers check the header against the pixel limit first (`probeImage`): this
 * decodes whatever size the file declares.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const format = decodableFormat(bytes);
  const needsJimp = format === 'bmp' || (format === 'jpeg' && (readJpegFrame(bytes)?.precision ?? 8) > 8);
  const decoded = needsJimp ? await decodeWithJimp(bytes, format) : await decodeWithSharp(bytes, format, options);
  // Some broken files decode "successfully" into nothing (a PNG with width 0, a GIF without frames).
  const { width, height, data } = decoded;
  if (!(Number.isSafeInteger(width) && Number.isSafeInteger(height) && width > 0 && height > 0) || data.length < width * height * 4) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} image decoded to an unusable ${width}x${height} bitmap.`);
  }
  return decoded;
}

/**
 * libvips keeps one error buffer for the whole process: a failure in another thread can add its messages to ours, or
 * clear ours before sharp reads it. So nothing may depend on the text (12-bit JPEGs are recognised from their header),
 * and repeated parts are dropped.
 */
const libvipsMessage = (error: Error) => [...new Set(error.message.split('\n').map((part) => part.trim()).filter(Boolean))].join('; ');

async function decodeWithSharp(bytes: Uint8Array, format: ImageFormat, { resampleTo }: DecodeOptions): Promise<DecodedImage> {
  try {
    // failOn 'error' refuses truncated or corrupt data rather than decoding it into grey, and reads what decoders only
    // warn about, as PIL does: junk or FF 00 pairs between JPEG segments, a damaged EXIF block's stray bytes before a
    // marker. (sharp's default, 'warning', refused those photos; Pillow and the seed read them.)
    const pipeline = sharp(bytes, { autoOrient: true, ignoreIcc: true, failOn: 'error' });
    let decoder: ImageDecoderName = 'sharp';
    let fullSize: InputSize | null = null;
    if (resampleTo) {
      const { autoOrient } = await pipeline.metadata();
      fullSize = { width: autoOrient.width, height: autoOrient.height };
      const target = resampleTo(fullSize);
      const reduction = Math.min(fullSize.width / target.width, fullSize.height / target.height);
      if (format === 'jpeg' && reduction >= SHRINK_ON_LOAD_MIN_FACTOR) {
        // The rest of the reduction (≥ 2x after the DCT's) samples the nearest pixel of the DCT-scaled image, each
        // about the mean of 2x2 (4x4 ...) source pixels: the closest of libvips' kernels to INTER_LINEAR, which at
        // such reductions interpolates between 2x2 source pixels however far apart the samples are (no antialiasing).
        // Measured on the 10.8 MP photo: a smoothing kernel ('linear', 'lanczos3') moved the model's output twice as much.
        pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'nearest', fastShrinkOnLoad: false });
        decoder = 'sharp-shrink-on-load';
      }
      // Anything else comes back whole: the letterbox's cv2-exact resize gives AutoShape's model input bit for bit,
      // which libvips' bilinear affine missed by one level on ~10% of the values, and costs no more.
    }
    const { data, info } = await pipeline.toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const { width, height } = info;
    return { width, height, data, channels: 4, fullSize: fullSize ?? { width, height }, decoder };
  } catch (error) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} image could not be decoded: ${libvipsMessage(error as Error)}`);
  }
}

async function decodeWithJimp(bytes: Uint8Array, format: ImageFormat): Promise<DecodedImage> {
  let image: Awaited<ReturnType<typeof Jimp.fromBuffer>>;
  try {
    image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} image could not be decoded: ${(error as Error).message}`);
  }
  const { width, height, data } = image.bitmap;
  return { width, height, data, channels: 4, fullSize: { width, height }, decoder: 'jimp' };
}
