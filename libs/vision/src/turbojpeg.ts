import koffi from 'koffi';
import { InputSize } from './letterbox';

/**
 * libjpeg-turbo's TurboJPEG API from the system library (Debian's libturbojpeg0; the Docker image installs it), called
 * through koffi. Same library, same settings as sharp's decoder and PIL's (accurate integer IDCT, smooth chroma
 * upsampling), so the same pixels, at about half the CPU time: libvips' pipeline around libjpeg is the difference
 * (docs/architecture.md, "Which decoder runs when, and why"). Bound on first use; where the library is missing
 * everything goes to sharp.
 */
interface TurboJpeg {
  init: () => unknown;
  destroy: (handle: unknown) => number;
  header: (handle: unknown, bytes: Uint8Array, size: number, width: number[], height: number[], subsampling: number[], colourspace: number[]) => number;
  decompress: {
    async: (handle: unknown, bytes: Uint8Array, size: number, out: Uint8Array, width: number, pitch: number, height: number, format: number, flags: number, done: (error: unknown, status: number) => void) => void;
  };
}

/**
 * TJFLAG_ACCURATEDCT (the integer IDCT PIL and sharp use, whatever a library's default) | TJFLAG_STOPONWARNING (a file
 * libjpeg warns about goes to sharp at once, undecoded).
 */
const DECODE_FLAGS = 4096 | 8192;
/** TJPF_RGB and TJPF_RGBA: interleaved bytes, as sharp's raw output. */
const PIXEL_FORMATS = { 3: 0, 4: 7 } as const;
/** TJCS_CMYK and TJCS_YCCK: not decodable to RGB by TurboJPEG (sharp converts them through a colour profile). */
const CMYK_COLOURSPACES = new Set([3, 4]);

/** sharp's default limitInputPixels: a larger picture goes to sharp, which refuses it as it always has. */
const SHARP_PIXEL_LIMIT = 0x3fff * 0x3fff;

let binding: TurboJpeg | null | undefined;

function bindTurboJpeg(): TurboJpeg | null {
  try {
    const library = koffi.load('libturbojpeg.so.0');
    // TurboJPEG 2.0 or later (the first with tjGetErrorCode): older ones neither stop on libjpeg's warnings nor report
    // them as failures, so a truncated file would come back grey-filled where sharp refuses it.
    library.func('int tjGetErrorCode(void *handle)');
    return {
      init: library.func('void *tjInitDecompress()'),
      destroy: library.func('int tjDestroy(void *handle)'),
      header: library.func('int tjDecompressHeader3(void *handle, const uint8_t *jpeg, unsigned long size, _Out_ int *width, _Out_ int *height, _Out_ int *subsampling, _Out_ int *colourspace)'),
      decompress: library.func('int tjDecompress2(void *handle, const uint8_t *jpeg, unsigned long size, _Out_ uint8_t *out, int width, int pitch, int height, int format, int flags)'),
    } as TurboJpeg;
  } catch {
    return null;
  }
}

/** Whether this machine has the system's TurboJPEG library (the fast JPEG path). */
export function hasTurboJpeg(): boolean {
  binding ??= bindTurboJpeg();
  return binding !== null;
}

/**
 * Decodes a JPEG of the expected stored size into interleaved RGB or RGBA bytes on libuv's thread pool, or answers
 * null when TurboJPEG is missing or would not decode it cleanly: CMYK, another size than the caller read from the
 * header, more pixels than sharp accepts, or any libjpeg error or warning (a truncated file, junk between segments).
 * The caller then decodes it with sharp, whose verdicts on broken files stand.
 */
export async function decodeJpegWithTurbo(bytes: Uint8Array, expected: InputSize, channels: 3 | 4): Promise<Uint8Array | null> {
  binding ??= bindTurboJpeg();
  const turbo = binding;
  if (!turbo) return null;
  // One handle per decode: a handle is not to be shared between threads, and making one costs microseconds.
  const handle = turbo.init();
  if (!handle) return null;
  // koffi's own failures (its queue of asynchronous calls full, say) leave the file to sharp too.
  try {
    const [width, height, subsampling, colourspace] = [[0], [0], [0], [0]];
    if (turbo.header(handle, bytes, bytes.length, width, height, subsampling, colourspace) !== 0) return null;
    if (width[0] !== expected.width || height[0] !== expected.height || width[0] * height[0] > SHARP_PIXEL_LIMIT || CMYK_COLOURSPACES.has(colourspace[0])) return null;
    // Every byte is written by the decoder: no need to zero them first.
    const pixels = Buffer.allocUnsafeSlow(width[0] * height[0] * channels);
    const status = await new Promise<number>((resolve, reject) =>
      turbo.decompress.async(handle, bytes, bytes.length, pixels, width[0], 0, height[0], PIXEL_FORMATS[channels], DECODE_FLAGS, (error, result) => (error ? reject(error) : resolve(result))),
    );
    return status === 0 ? pixels : null;
  } catch {
    return null;
  } finally {
    turbo.destroy(handle);
  }
}
