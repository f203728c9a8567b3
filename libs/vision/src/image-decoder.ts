import { Jimp } from 'jimp';
import sharp from 'sharp';
import { ImageError } from './image-errors';
import { ImageFormat, JpegFrame, readJpegFrame, readJpegOrientation, swapsWidthAndHeight } from './image-format';
import { decodableFormat } from './image-probe';
import { Bitmap, InputSize } from './letterbox';
import { decodeJpegWithTurbo } from './turbojpeg';

/**
 * Which library decodes what (chosen by measurement: docs/architecture.md, "Which decoder runs when, and why"):
 * - the system's TurboJPEG (turbojpeg.ts) for upright 8-bit JPEGs decoded whole, when the machine has it: the same
 *   decoder settings and the same pixels as sharp's, without libvips' pipeline around it. A file it does not decode
 *   cleanly goes to sharp.
 * - sharp (libvips with libjpeg-turbo, libspng, libtiff, cgif) for JPEG, PNG, GIF and TIFF: 5-20x faster than jimp's
 *   pure-JS decoders, and its JPEG decoder gives the same pixels as torch hub's PIL. Asked for a much smaller size,
 *   a JPEG at least SHRINK_ON_LOAD_MIN_FACTOR times larger than the target is resampled while decoding (libjpeg's
 *   DCT scaling); everything else comes back at full size for the letterbox's cv2-exact resize.
 * - jimp for BMP (no BMP loader in sharp's libvips) and for 12-bit JPEGs (libjpeg-turbo is built for 8-bit only).
 *
 * sharp must also be loaded on the main thread (importing this lib does it): libvips then stays loaded when a
 * worker thread that used it exits.
 */
export type ImageDecoderName = 'turbojpeg' | 'sharp' | 'sharp-shrink-on-load' | 'jimp';

/**
 * A JPEG is shrunk on load when it is at least this many times larger than its target on both axes: sharp then
 * decodes it at 1/2 (1/4, 1/8) size with libjpeg's DCT scaling and leaves at least a factor of 2 to the final
 * resize. Below that, the whole decode plus cv2's exact INTER_LINEAR costs little more and matches AutoShape.
 */
export const SHRINK_ON_LOAD_MIN_FACTOR = 4;

export interface DecodeOptions<Channels extends 3 | 4 = 4> {
  /** 4 (the default): RGBA, for drawing on. 3: RGB, alpha dropped, which is all detection reads (less to decode and copy). */
  channels?: Channels;
  /**
   * The size the caller will resample the upright image to (e.g. its letterboxed size), given its full size. A JPEG
   * at least SHRINK_ON_LOAD_MIN_FACTOR times larger comes back at that size, shrunk on load; anything else at full
   * size.
   */
  resampleTo?: (fullSize: InputSize) => InputSize;
}

export interface DecodedImage<Channels extends 3 | 4 = 3 | 4> extends Bitmap {
  channels: Channels;
  /** Upright size of the stored picture: larger than the bitmap when it was resampled on decoding. */
  fullSize: InputSize;
  decoder: ImageDecoderName;
}

// libvips caches recent operations by default: no use for one-off uploads, and it holds memory.
sharp.cache(false);

/**
 * Decodes an upload into an upright RGBA or RGB bitmap (EXIF orientation applied, embedded colour profiles ignored as
 * PIL does), or throws an ImageError. Callers check the header against the pixel limit first (`probeImage`): this
 * decodes whatever size the file declares.
 */
export async function decodeImage<Channels extends 3 | 4 = 4>(bytes: Uint8Array, options: DecodeOptions<Channels> = {}): Promise<DecodedImage<Channels>> {
  const format = decodableFormat(bytes);
  const channels = options.channels ?? 4;
  const jpegFrame = format === 'jpeg' ? readJpegFrame(bytes) : null;
  const needsJimp = format === 'bmp' || (jpegFrame?.precision ?? 8) > 8;
  const decoded = needsJimp
    ? await decodeWithJimp(bytes, format, channels)
    : ((jpegFrame && (await decodeUprightJpeg(bytes, jpegFrame, channels, options.resampleTo))) ?? (await decodeWithSharp(bytes, format, jpegFrame, channels, options.resampleTo)));
  // Some broken files decode "successfully" into nothing (a PNG with width 0, a GIF without frames).
  const { width, height, data } = decoded;
  if (!(Number.isSafeInteger(width) && Number.isSafeInteger(height) && width > 0 && height > 0) || data.length < width * height * channels) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} image decoded to an unusable ${width}x${height} bitmap.`);
  }
  return decoded as DecodedImage<Channels>;
}

/**
 * libvips keeps one error buffer for the whole process: a failure in another thread can add its messages to ours, or
 * clear ours before sharp reads it. So nothing may depend on the text (12-bit JPEGs are recognised from their header),
 * and repeated parts are dropped.
 */
const libvipsMessage = (error: Error) => [...new Set(error.message.split('\n').map((part) => part.trim()).filter(Boolean))].join('; ');

async function decodeWithSharp(
  bytes: Uint8Array,
  format: ImageFormat,
  jpegFrame: JpegFrame | null,
  channels: 3 | 4,
  resampleTo: DecodeOptions['resampleTo'],
): Promise<DecodedImage> {
  try {
    // failOn 'error' refuses truncated or corrupt data rather than decoding it into grey, and reads what decoders only
    // warn about, as PIL does: junk or FF 00 pairs between JPEG segments, a damaged EXIF block's stray bytes before a
    // marker. (sharp's default, 'warning', refused those photos; Pillow and the seed read them.)
    const pipeline = sharp(bytes, { autoOrient: true, ignoreIcc: true, failOn: 'error' });
    const shrink = resampleTo && format === 'jpeg' ? await planShrinkOnLoad(pipeline, bytes, jpegFrame, resampleTo) : null;
    if (shrink) {
      // The rest of the reduction (≥ 2x after the DCT's) samples the nearest pixel of the DCT-scaled image, each
      // about the mean of 2x2 (4x4 ...) source pixels: the closest of libvips' kernels to INTER_LINEAR, which at
      // such reductions interpolates between 2x2 source pixels however far apart the samples are (no antialiasing).
      // Measured on the 10.8 MP photo: a smoothing kernel ('linear', 'lanczos3') moved the model's output twice as much.
      pipeline.resize(shrink.target.width, shrink.target.height, { fit: 'fill', kernel: 'nearest', fastShrinkOnLoad: false });
    }
    // Anything else comes back whole: the letterbox's cv2-exact resize gives AutoShape's model input bit for bit,
    // which libvips' bilinear affine missed by one level on ~10% of the values, and costs no more.
    const srgb = pipeline.toColourspace('srgb');
    const { data, info } = await (channels === 3 ? srgb.removeAlpha() : srgb.ensureAlpha()).raw().toBuffer({ resolveWithObject: true });
    const { width, height } = info;
    return { width, height, data, channels, fullSize: shrink?.fullSize ?? { width, height }, decoder: shrink ? 'sharp-shrink-on-load' : 'sharp' };
  } catch (error) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} image could not be decoded: ${libvipsMessage(error as Error)}`);
  }
}

/**
 * The fast path: a JPEG stored upright (no EXIF rotation to apply) and decoded whole, through TurboJPEG; null for
 * anything else, which sharp then decodes.
 */
async function decodeUprightJpeg(bytes: Uint8Array, frame: JpegFrame, channels: 3 | 4, resampleTo: DecodeOptions['resampleTo']): Promise<DecodedImage | null> {
  const size = { width: frame.width, height: frame.height };
  if (readJpegOrientation(bytes) !== 1 || shrinksOnLoad(size, resampleTo?.(size))) return null;
  const data = await decodeJpegWithTurbo(bytes, size, channels);
  return data && { ...size, data, channels, fullSize: size, decoder: 'turbojpeg' };
}

/** Whether a picture of `fullSize` is to be decoded straight to `target` (SHRINK_ON_LOAD_MIN_FACTOR). */
const shrinksOnLoad = (fullSize: InputSize, target: InputSize | undefined) =>
  target !== undefined && Math.min(fullSize.width / target.width, fullSize.height / target.height) >= SHRINK_ON_LOAD_MIN_FACTOR;

/**
 * The upright size of a JPEG and the size to decode it to, when it is at least SHRINK_ON_LOAD_MIN_FACTOR times larger
 * than its target; null when it is decoded whole. Most photos are not that large: their upright size is read from the
 * header (frame size, EXIF orientation), which spares libvips' separate header read (metadata(), a round trip to its
 * thread pool). A shrink, or a header that is not plain, goes by libvips' own reading, so a shrink never rests on ours.
 * (The TurboJPEG path does rest on it, for upright files only: a header our reader cannot read plainly goes to sharp.)
 */
async function planShrinkOnLoad(pipeline: ReturnType<typeof sharp>, bytes: Uint8Array, frame: JpegFrame | null, resampleTo: NonNullable<DecodeOptions['resampleTo']>) {
  const fromHeader = frame && uprightSize(frame, readJpegOrientation(bytes));
  const headerTarget = fromHeader && resampleTo(fromHeader);
  if (fromHeader && headerTarget && !shrinksOnLoad(fromHeader, headerTarget)) return null;
  const { autoOrient } = await pipeline.metadata();
  const fullSize = { width: autoOrient.width, height: autoOrient.height };
  const sameSize = fromHeader && fromHeader.width === fullSize.width && fromHeader.height === fullSize.height;
  const target = sameSize && headerTarget ? headerTarget : resampleTo(fullSize);
  return shrinksOnLoad(fullSize, target) ? { fullSize, target } : null;
}

/** The size of the picture once turned upright, or null when the orientation is not known. */
function uprightSize({ width, height }: InputSize, orientation: number | null): InputSize | null {
  if (orientation === null) return null;
  return swapsWidthAndHeight(orientation) ? { width: height, height: width } : { width, height };
}

async function decodeWithJimp(bytes: Uint8Array, format: ImageFormat, channels: 3 | 4): Promise<DecodedImage> {
  let image: Awaited<ReturnType<typeof Jimp.fromBuffer>>;
  try {
    image = await Jimp.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ImageError('undecodable', `The ${format.toUpperCase()} image could not be decoded: ${(error as Error).message}`);
  }
  const { width, height, data } = image.bitmap;
  return { width, height, data: channels === 3 ? withoutAlpha(data) : data, channels, fullSize: { width, height }, decoder: 'jimp' };
}

/** jimp decodes to RGBA only. */
function withoutAlpha(rgba: Uint8Array): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let from = 0, to = 0; to < rgb.length; from += 4, to += 3) {
    rgb[to] = rgba[from];
    rgb[to + 1] = rgba[from + 1];
    rgb[to + 2] = rgba[from + 2];
  }
  return rgb;
}
