import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ImageError } from './image-errors';
import { DEFAULT_IMAGE_LIMITS, probeImage } from './image-probe';

const corpus = resolve(__dirname, '../../../../shared/corpus');
const file = (relative: string) => readFileSync(join(corpus, relative));

/** A PNG signature and IHDR chunk declaring width × height, with no pixel data (the CRC is not checked by a probe). */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr.set([8, 2, 0, 0, 0], 16); // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]);
}

function probeError(bytes: Uint8Array, maxPixels = DEFAULT_IMAGE_LIMITS.maxPixels): ImageError {
  try {
    probeImage(bytes, { maxPixels });
  } catch (error) {
    if (error instanceof ImageError) return error;
    throw error;
  }
  throw new Error('probeImage accepted the image');
}

describe('probeImage', () => {
  it.each([
    ['photos/zidane.jpg', 'jpeg', 1280, 720],
    ['photos/phone_size_4032x2688.jpg', 'jpeg', 4032, 2688],
    ['odd/exif_landscape_6.jpg', 'jpeg', 1200, 1800],
    ['odd/jpeg/pillow_icc_profile_big.jpg', 'jpeg', 425, 250],
    ['odd/jpeg/libjpegturbo_testimgari.jpg', 'jpeg', 227, 149], // arithmetic coding
    ['odd/jpeg/pillow_junk_jpeg_header.jpg', 'jpeg', 1024, 768], // junk between header segments, as libjpeg skips it
    ['odd/jpeg/pillow_jpeg_ff00_header.jpg', 'jpeg', 300, 225],
    ['photos/groundingdino_cats.png', 'png', 854, 479],
    ['odd/gif/pillow_iss634.gif', 'gif', 245, 245],
    ['odd/tiff/sharp_G31D.TIF', 'tiff', 2464, 3248],
    ['odd/png/generated_wide_12800x128_hopper_tiled.png', 'png', 12800, 128],
  ])('reads %s as %s %ix%i from its header', (path, format, width, height) => {
    expect(probeImage(file(path))).toEqual({ format, width, height });
  });

  it.each([
    ['bad/bomb_png_20000x20000_gray_valid.png', /20000x20000 pixels \(400 megapixels\); the limit is 40 megapixels/],
    ['bad/bomb_png_65535x65535_rgba_header_only.png', /65535x65535 pixels/],
    ['bad/jpeg_sof_patched_65500x65500.jpg', /65500x65500 pixels/],
    ['bad/png_width_2147483647x1.png', /2147483647x1 pixels/],
    ['bad/sharp/sharp_giant-image_20000x14000.jpg', /20000x14000 pixels \(280 megapixels\)/],
    ['bad/sharp/sharp_65536-uint32-limit.png', /65536x65536 pixels/],
  ])('refuses the decompression bomb %s as too large', (path, message) => {
    const error = probeError(file(path));
    expect([error.kind, error.message]).toEqual(['too-large', expect.stringMatching(message)]);
  });

  it('accepts exactly the limit and refuses one pixel more', () => {
    expect(probeImage(pngHeader(5000, 8000), { maxPixels: 40_000_000 })).toEqual({ format: 'png', width: 5000, height: 8000 });
    expect(probeError(pngHeader(5000, 8000), 39_999_999).kind).toBe('too-large');
  });

  it.each([
    ['bad/png_zero_width_0x10.png', /declares an empty 0x10 image/],
    ['bad/jpeg_sof_patched_0x0.jpg', /declares an empty 0x0 image/],
  ])('refuses %s, which declares no pixels', (path, message) => {
    const error = probeError(file(path));
    expect([error.kind, error.message]).toEqual(['undecodable', expect.stringMatching(message)]);
  });

  it.each([
    ['bad/bus_truncated_header_only_2000B.jpg', /^The JPEG header could not be read/],
    ['bad/png_signature_only.png', /^The PNG header could not be read/],
    ['bad/jpeg_soi_then_random.jpg', /^The JPEG header could not be read/],
    ['bad/sharp/sharp_corrupt-header.jpg', /^The JPEG header could not be read/],
  ])('refuses %s, whose header cannot be read, as undecodable', (path, message) => {
    const error = probeError(file(path));
    expect([error.kind, error.message]).toEqual(['undecodable', expect.stringMatching(message)]);
  });

  it.each([
    ['odd/webp/pillow_hopper.webp', /^WEBP images are not supported: send JPEG, PNG, BMP, TIFF or GIF/],
    ['odd/heif_avif/libheif_example.heic', /^HEIC images are not supported/],
    ['odd/heif_avif/pillow_hopper.avif', /^AVIF images are not supported/],
  ])('names the unsupported format of %s', (path, message) => {
    const error = probeError(file(path));
    expect([error.kind, error.message]).toEqual(['unsupported-format', expect.stringMatching(message)]);
  });

  it('never hands formats it does not serve to image-size (whose ICNS, JXL and HEIF parsers could loop, GHSA-w3rx-r6r6-pgpr)', () => {
    const zeroLengthIcns = Buffer.from('69636e73000000106973333200000000', 'hex');
    expect(probeError(zeroLengthIcns).message).toMatch(/not an image/);
    expect(probeError(file('odd/heif_avif/pillow_hopper.heif')).kind).toBe('unsupported-format');
  });

  it('refuses empty and non-image data', () => {
    expect(probeError(new Uint8Array(0)).message).toMatch(/empty \(0 bytes\)/);
    expect(probeError(file('bad/html_renamed.png')).message).toMatch(/not an image/);
  });

  it('reads only the header: a 20000x20000 bomb is refused in well under a millisecond', () => {
    const bomb = file('bad/bomb_png_20000x20000_gray_valid.png');
    probeError(bomb);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) probeError(bomb);
    // 100 probes: a decode of this file takes ~20 s, so even a very slow machine stays orders of magnitude below.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  });
});
