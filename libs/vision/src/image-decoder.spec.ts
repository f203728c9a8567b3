import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { Jimp } from 'jimp';
import { decodeImage, DecodedImage } from './image-decoder';
import { ImageError } from './image-errors';
import { DECODABLE_FORMATS, readJpegOrientation, sniffImageFormat } from './image-format';
import { probeImage } from './image-probe';
import { Bitmap, InputSize, planLetterbox } from './letterbox';
import { letterboxToTensor } from './letterbox-tensor';
import { hasTurboJpeg } from './turbojpeg';

const corpus = resolve(__dirname, '../../../../shared/corpus');
const decodeFile = (relative: string, options?: Parameters<typeof decodeImage>[1]) => decodeImage(readFileSync(join(corpus, relative)), options);

/** Mean absolute difference of the RGB channels of two same-sized RGBA bitmaps (0..255). */
function meanDifference(a: Bitmap, b: Bitmap): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    sum += Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]);
  }
  return sum / ((a.data.length / 4) * 3);
}

/** Mean absolute difference (0..255) of two bitmaps of the same picture once letterboxed into `box`. */
function letterboxedDifference(a: Bitmap, b: Bitmap, fullSize: InputSize, box: InputSize = { width: 640, height: 640 }): number {
  const geometry = planLetterbox(fullSize, box);
  const [x, y] = [a, b].map((bitmap) => letterboxToTensor(bitmap, geometry, new Float32Array(3 * box.width * box.height)));
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
  return (sum / x.length) * 255;
}

function corpusFiles(dir = ''): string[] {
  return readdirSync(join(corpus, dir)).flatMap((name) => {
    const relative = dir ? `${dir}/${name}` : name;
    if (statSync(join(corpus, relative)).isDirectory()) return corpusFiles(relative);
    return name === 'MANIFEST.md' ? [] : [relative];
  });
}

const outcome = (promise: Promise<{ width: number; height: number }>) =>
  promise.then(
    ({ width, height }) => (width > 0 && height > 0 ? `${width}x${height}` : 'error'),
    () => 'error',
  );

/** Upright 8-bit JPEGs decoded whole go through the system's TurboJPEG where the machine has it, else sharp. */
const WHOLE_JPEG_DECODER = hasTurboJpeg() ? 'turbojpeg' : 'sharp';

/** The decode sharp gives, which matches PIL's: what the TurboJPEG path must equal. */
const sharpRgb = (bytes: Uint8Array) => sharp(bytes, { autoOrient: true, ignoreIcc: true, failOn: 'error' }).toColourspace('srgb').removeAlpha().raw().toBuffer();

const toQuarter = (size: InputSize) => ({ width: Math.round(size.width / 4), height: Math.round(size.height / 4) });

/** Valid files that sharp decodes and jimp does not (docs/architecture.md's decoder section lists them). */
const DECODED_ONLY_BY_SHARP = [
  'bad/basn6a08_no_iend.png', // every pixel present, only the closing IEND chunk missing
  'bad/iss634_truncated_50pct.gif', // the first frame (the one decoded) is complete
  'odd/jpeg/libjpegturbo_testimgari.jpg', // arithmetic coding
  'odd/jpeg/pillow_hopper_bad_exif.jpg', // a damaged EXIF block leaves stray bytes before a marker: libjpeg warns, PIL reads it
  'odd/jpeg/pillow_jpeg_ff00_header.jpg', // FF 00 pairs between header segments (a warning)
  'odd/jpeg/pillow_junk_jpeg_header.jpg', // junk bytes between header segments (a warning)
  'odd/jpeg/sharp_testimgl_lossless.jpg', // lossless JPEG
  'odd/png/pillow_apng_mode_16bit.png', // APNG: the default image
  'odd/png/pillow_apng_num_plays.png',
  'odd/png/pillow_iss634.apng',
  'odd/tiff/pillow_tiff_tiled_cmyk_jpeg.tif',
];

/** Broken files that jimp may turn into a bitmap and sharp refuses. */
const REFUSED_ONLY_BY_SHARP = [
  'bad/pngsuite/xdtn0g01.png', // no IDAT chunk, so no pixels at all: jimp returns whatever its buffer held, or fails
];

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
  }, 30_000);

  it('gives portrait photos stored sideways their upright size', async () => {
    const image = await decodeFile('odd/exif_portrait_6.jpg');
    expect([image.width, image.height]).toEqual([1200, 1800]);
  });

  it('decodes PNG with alpha into RGBA', async () => {
    const image = await decodeFile('odd/pngsuite/PngSuite.png');
    expect(image).toMatchObject({ width: 256, height: 256, channels: 4 });
  });

  it('keeps the stored colour of transparent pixels, as AutoShape (PIL, alpha dropped) sees them', async () => {
    // tbbn2c16: 16-bit RGB whose white background is made transparent by a tRNS colour key.
    const image = await decodeFile('odd/pngsuite/tbbn2c16.png');
    expect([...image.data.subarray(0, 4)]).toEqual([255, 255, 255, 0]);
  });

  it('keeps the stored colour of transparent pixels when shrinking to the letterbox too', async () => {
    // Fully transparent red, larger than its target: premultiplied resampling would turn it black.
    const png = await sharp({ create: { width: 1280, height: 960, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const image = await decodeImage(png, { resampleTo: () => ({ width: 640, height: 480 }) });
    const box = { width: 640, height: 480 };
    const tensor = letterboxToTensor(image, planLetterbox(image.fullSize, box), new Float32Array(3 * box.width * box.height));
    expect([tensor[0], tensor[box.width * box.height], tensor[2 * box.width * box.height]]).toEqual([1, 0, 0]);
  });

  // libjpeg only warns about these (bytes that are no marker, a damaged EXIF block): PIL reads them, the seed answered them.
  it.each([
    ['odd/jpeg/pillow_hopper_bad_exif.jpg', 500, 500],
    ['odd/jpeg/pillow_jpeg_ff00_header.jpg', 300, 225],
    ['odd/jpeg/pillow_junk_jpeg_header.jpg', 1024, 768],
    ['odd/jpeg/libjpegturbo_testimgari.jpg', 227, 149],
  ])('decodes %s, which libjpeg reads with warnings or arithmetic decoding', async (file, width, height) => {
    // TurboJPEG reports libjpeg's warnings: those files go to sharp, while the arithmetic-coded one decodes cleanly.
    const decoder = file.endsWith('testimgari.jpg') ? WHOLE_JPEG_DECODER : 'sharp';
    expect(await decodeFile(file)).toMatchObject({ decoder, width, height });
    const toEighth = (size: InputSize) => ({ width: Math.round(size.width / 8), height: Math.round(size.height / 8) });
    expect(await decodeFile(file, { resampleTo: toEighth })).toMatchObject({ decoder: 'sharp-shrink-on-load', width: Math.round(width / 8), height: Math.round(height / 8) });
  });

  it.each([
    ['bad/empty_0_bytes.jpg', /empty/],
    ['bad/text_renamed.jpg', /not an image/],
    ['bad/bus_truncated_header_only_2000B.jpg', /could not be decoded|unusable/],
    ['bad/bus_truncated_50pct.jpg', /^The JPEG image could not be decoded: .*premature end/i],
    ['bad/sharp/sharp_truncated.jpg', /^The JPEG image could not be decoded: .*premature end/i],
    ['bad/hopper_truncated_50pct.png', /^The PNG image could not be decoded/],
  ])('refuses %s with a clear message', async (file, message) => {
    const error = await decodeFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).message).toMatch(message);
  });

  // libvips has one error buffer per process: while other decodes fail in other threads, a 12-bit JPEG's "Unsupported
  // JPEG data precision 12" could arrive mixed with their messages or not at all (a 12-bit JPEG answered 400 in CI).
  it('decodes a 12-bit JPEG while broken JPEGs fail alongside it', async () => {
    const broken = ['bad/bus_truncated_50pct.jpg', 'bad/jpeg_soi_then_random.jpg', 'bad/bus_truncated_header_only_2000B.jpg'].map((file) =>
      readFileSync(join(corpus, file)),
    );
    const twelveBit = readFileSync(join(corpus, 'odd/jpeg/libjpegturbo_monkey12.jpg'));
    for (let round = 0; round < 20; round++) {
      const [decoded, ...refused] = await Promise.allSettled([decodeImage(twelveBit), ...broken.map((bytes) => decodeImage(bytes))]);
      expect(decoded).toMatchObject({ status: 'fulfilled', value: { decoder: 'jimp', width: 149, height: 227 } });
      expect(refused.map(({ status }) => status)).toEqual(['rejected', 'rejected', 'rejected']);
    }
  });

  it('refuses WebP as an unsupported format, naming it', async () => {
    const error = (await decodeFile('odd/webp/pillow_hopper.webp').catch((e: unknown) => e)) as ImageError;
    expect(error.kind).toBe('unsupported-format');
    expect(error.message).toMatch(/^WEBP images are not supported/);
  });

  it('uses TurboJPEG (or sharp) for upright JPEGs, sharp for other photos, jimp for BMP and 12-bit JPEG', async () => {
    expect((await decodeFile('photos/bus.jpg')).decoder).toBe(WHOLE_JPEG_DECODER);
    expect((await decodeFile('odd/exif_portrait_6.jpg')).decoder).toBe('sharp');
    expect((await decodeFile('photos/groundingdino_cats.png')).decoder).toBe('sharp');
    expect(await decodeFile('odd/jpeg/libjpegturbo_monkey12.jpg')).toMatchObject({ decoder: 'jimp', width: 149, height: 227 });

    const png = await decodeFile('odd/png/pillow_hopper.png');
    const bmp = await (await Jimp.fromBuffer(readFileSync(join(corpus, 'odd/png/pillow_hopper.png')))).getBuffer('image/bmp');
    const decodedBmp = await decodeImage(bmp);
    expect(decodedBmp).toMatchObject({ decoder: 'jimp', width: 128, height: 128, fullSize: { width: 128, height: 128 } });
    expect(meanDifference(decodedBmp, png)).toBe(0);
  });

  /**
   * jimp's TIFF decoder (utif2 4.1) prints a leftover debug line, `==== 1 1`, for every tiled TIFF; the service never
   * decodes TIFF with jimp, only this comparison does. The print is swallowed here, and only that print.
   */
  async function jimpWithoutDebugPrint(bytes: Buffer) {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      return (await Jimp.fromBuffer(bytes)).bitmap;
    } finally {
      const calls = log.mock.calls;
      log.mockRestore();
      for (const call of calls.filter(([first]) => first !== '====')) console.log(...call);
    }
  }

  // The whole corpus through both decoders: the switch from jimp to sharp must not change which files decode (beyond
  // the valid files listed above), nor the upright size of any of them. Headers the probe refuses as too large never
  // reach a decoder in the service, so they are skipped here too.
  it('decodes every corpus file jimp decodes to the same upright size, and refuses what jimp refuses but the listed valid files', async () => {
    const onlySharp: string[] = [];
    for (const file of corpusFiles().sort()) {
      const bytes = readFileSync(join(corpus, file));
      const tooLarge = (() => {
        try {
          probeImage(bytes);
          return false;
        } catch (error) {
          return (error as ImageError).kind === 'too-large';
        }
      })();
      if (tooLarge) continue;
      const format = sniffImageFormat(bytes);
      const ours = await outcome(decodeImage(bytes));
      if (format === null || !DECODABLE_FORMATS.has(format) || REFUSED_ONLY_BY_SHARP.includes(file)) {
        expect([file, ours]).toEqual([file, 'error']);
        continue;
      }
      const jimps = await outcome(jimpWithoutDebugPrint(bytes));
      if (jimps === 'error' && ours !== 'error') onlySharp.push(file);
      else expect([file, ours]).toEqual([file, jimps]);
    }
    expect(onlySharp).toEqual(DECODED_ONLY_BY_SHARP);
  }, 180_000);

  it('decodes the photos within JPEG rounding of jimp (same orientation, channel order and colours)', async () => {
    for (const file of ['photos/bus.jpg', 'photos/zidane.jpg', 'photos/sharp_concert_gray.jpg', 'photos/groundingdino_cats.png', 'odd/exif_landscape_6.jpg']) {
      const bytes = readFileSync(join(corpus, file));
      const jimp = (await Jimp.fromBuffer(bytes)).bitmap;
      const ours = await decodeImage(bytes);
      // libjpeg-turbo (sharp, and PIL in torch hub) and jpeg-js (jimp) upsample chroma differently: about 1 level.
      expect([file, meanDifference(ours, { ...jimp, channels: 4 }) < 1.5]).toEqual([file, true]);
    }
  }, 30_000);

  describe('RGB on request', () => {
    /** The RGB of an RGBA bitmap. */
    const rgbOf = ({ data }: Bitmap) => Uint8Array.from({ length: (data.length / 4) * 3 }, (_, i) => data[Math.floor(i / 3) * 4 + (i % 3)]);

    it.each([
      ['photos/zidane.jpg', WHOLE_JPEG_DECODER],
      ['odd/pngsuite/tbbn2c16.png', 'sharp'], // transparent pixels keep their stored colour
      ['odd/jpeg/sharp_Channel_digital_image_CMYK_color_no_profile.jpg', 'sharp'],
      ['odd/jpeg/libjpegturbo_monkey12.jpg', 'jimp'],
    ])('gives %s the same colours as RGBA, without the alpha', async (file, decoder) => {
      const rgba = await decodeFile(file);
      const rgb = await decodeFile(file, { channels: 3 });
      expect(rgb).toMatchObject({ decoder, channels: 3, width: rgba.width, height: rgba.height, fullSize: rgba.fullSize });
      expect(Buffer.from(rgb.data).equals(Buffer.from(rgbOf(rgba)))).toBe(true);
    });

    it('shrinks on load the same way', async () => {
      const resampleTo = () => ({ width: 640, height: 427 });
      const rgba = await decodeFile('photos/phone_size_4032x2688.jpg', { resampleTo });
      const rgb = await decodeFile('photos/phone_size_4032x2688.jpg', { resampleTo, channels: 3 });
      expect(rgb).toMatchObject({ decoder: 'sharp-shrink-on-load', channels: 3, width: 640, height: 427 });
      expect(Buffer.from(rgb.data).equals(Buffer.from(rgbOf(rgba)))).toBe(true);
    }, 30_000);
  });

  describe('the upright size, from the header or from libvips', () => {
    // The decision to shrink on load needs the upright size before decoding. The header gives it for most JPEGs, which
    // spares libvips' own header read; a shrink, or a header that is not plain, asks libvips.
    const metadataCalls = async (file: string, resampleTo: (size: InputSize) => InputSize) => {
      const metadata = jest.spyOn(sharp.prototype, 'metadata');
      try {
        const image = await decodeFile(file, { resampleTo, channels: 3 });
        return { calls: metadata.mock.calls.length, image };
      } finally {
        metadata.mockRestore();
      }
    };
    const toLetterbox = (size: InputSize) => planLetterbox(size, { width: 640, height: 640 }).resized;

    it.each([
      ['photos/zidane.jpg', 0, { width: 1280, height: 720 }], // no EXIF
      ['photos/bus.jpg', 0, { width: 810, height: 1080 }], // EXIF orientation 1
      ['odd/exif_portrait_6.jpg', 0, { width: 1200, height: 1800 }], // turned a quarter
      ['odd/exif_landscape_0.jpg', 1, { width: 1800, height: 1200 }], // orientation 0: libvips says
      ['photos/phone_size_4032x2688.jpg', 1, { width: 4032, height: 2688 }], // shrunk on load
      ['photos/groundingdino_cats.png', 0, { width: 854, height: 479 }], // not a JPEG: never shrunk
    ])('%s: %i metadata() call(s)', async (file, calls, fullSize) => {
      const requests: InputSize[] = [];
      const outcome = await metadataCalls(file, (size) => (requests.push(size), toLetterbox(size)));
      expect(outcome).toMatchObject({ calls, image: { fullSize } });
      expect(requests.every((size) => size.width === fullSize.width && size.height === fullSize.height)).toBe(true);
    }, 30_000);

    // Where the header reader answers, it must be what libvips applies: every JPEG of the corpus.
    it("reads every corpus JPEG's orientation as libvips does, or leaves it to libvips", async () => {
      let read = 0;
      for (const file of corpusFiles().sort()) {
        const bytes = readFileSync(join(corpus, file));
        if (sniffImageFormat(bytes) !== 'jpeg') continue;
        const libvips = await sharp(bytes, { failOn: 'error' }).metadata().catch(() => null);
        const ours = readJpegOrientation(bytes);
        if (libvips === null || ours === null) continue;
        expect([file, ours]).toEqual([file, libvips.orientation ?? 1]);
        read += 1;
      }
      expect(read).toBeGreaterThan(40);
    }, 60_000);
  });

  describe('shrink-on-load', () => {
    it('decodes a JPEG at least 4x larger than its target straight to the target size, keeping the full size', async () => {
      const image = await decodeFile('photos/phone_size_4032x2688.jpg', { resampleTo: () => ({ width: 640, height: 427 }) });
      expect(image).toMatchObject({ decoder: 'sharp-shrink-on-load', width: 640, height: 427, fullSize: { width: 4032, height: 2688 } });

      // The same picture as the exact path (full decode, cv2's INTER_LINEAR), up to the resize filter: 1.8 levels.
      const full = await decodeFile('photos/phone_size_4032x2688.jpg');
      expect(letterboxedDifference(image, full, full)).toBeLessThan(2.5);
    }, 30_000);

    it('gives the target its upright orientation for EXIF-rotated photos', async () => {
      const request: InputSize[] = [];
      const image = await decodeFile('odd/exif_portrait_6.jpg', { resampleTo: (size) => (request.push(size), toQuarter(size)) });
      expect(request).toEqual([{ width: 1200, height: 1800 }]);
      expect(image).toMatchObject({ decoder: 'sharp-shrink-on-load', width: 300, height: 450, fullSize: { width: 1200, height: 1800 } });
      const full = await decodeFile('odd/exif_portrait_6.jpg');
      // A wrong rotation or mirror gives a difference of tens of levels.
      expect(letterboxedDifference(image, full, full.fullSize, { width: 300, height: 450 })).toBeLessThan(6);
    });

    it('gives the full size when the target is an enlargement or the file a BMP', async () => {
      const small = await decodeFile('odd/jpeg/pillow_hopper.jpg', { resampleTo: () => ({ width: 640, height: 640 }) });
      expect(small).toMatchObject({ decoder: WHOLE_JPEG_DECODER, width: 128, height: 128, fullSize: { width: 128, height: 128 } });
      const bmp = await (await Jimp.fromBuffer(readFileSync(join(corpus, 'photos/bus.jpg')))).getBuffer('image/bmp');
      expect(await decodeImage(bmp, { resampleTo: toQuarter })).toMatchObject({ decoder: 'jimp', width: 810, height: 1080 });
    });
  });

  describe('reductions under 4x and other formats', () => {
    it.each([
      ['photos/bus.jpg', { width: 480, height: 640 }],
      ['odd/exif_landscape_1.jpg', { width: 480, height: 480 }], // 3.75x: a JPEG under 4x larger is decoded whole
      ['odd/png/pillow_itxt_chunks.png', { width: 32, height: 32 }],
      ['odd/gif/sharp_Crash_test.gif', { width: 160, height: 160 }],
    ])('come back whole for the letterbox to resize as cv2 does: %s into %p', async (file, box) => {
      const resized = await decodeFile(file, { resampleTo: (size) => planLetterbox(size, box).resized });
      const full = await decodeFile(file);
      expect(resized).toMatchObject({ decoder: full.decoder, width: full.width, height: full.height, fullSize: full.fullSize });
    });
  });

  describe('the TurboJPEG path', () => {
    const coco128 = resolve(__dirname, '../../../../shared/datasets/coco128/images');
    const jpegs = () => [
      ...corpusFiles().filter((file) => /\.jpe?g$/i.test(file)).map((file) => join(corpus, file)),
      ...readdirSync(coco128).map((file) => join(coco128, file)),
    ];

    (hasTurboJpeg() ? it : it.skip)('gives every JPEG of the corpus and coco128 that it decodes the very bytes sharp gives', async () => {
      let fast = 0;
      for (const file of jpegs()) {
        const bytes = readFileSync(file);
        const ours = await decodeImage(bytes, { channels: 3 }).catch(() => null);
        if (ours?.decoder !== 'turbojpeg') continue;
        fast += 1;
        expect([file, Buffer.from(ours.data).equals(await sharpRgb(bytes))]).toEqual([file, true]);
        if (fast % 16 === 1) {
          // RGBA too (what drawing asks for), on every 16th file.
          const rgba = await decodeImage(bytes, { channels: 4 });
          const sharpRgba = await sharp(bytes, { autoOrient: true, ignoreIcc: true, failOn: 'error' }).toColourspace('srgb').ensureAlpha().raw().toBuffer();
          expect([file, rgba.decoder, Buffer.from(rgba.data).equals(sharpRgba)]).toEqual([file, 'turbojpeg', true]);
        }
      }
      // bus, zidane, the photos of the corpus and all of coco128 but none of the rotated, broken or odd ones.
      expect(fast).toBeGreaterThan(128);
    }, 120_000);

    it('leaves the verdict on every broken JPEG to sharp: refused exactly as sharp alone refuses it', async () => {
      const broken = corpusFiles().filter((file) => file.startsWith('bad/') && /\.jpe?g$/i.test(file));
      expect(broken.length).toBeGreaterThan(3);
      for (const file of broken) {
        const bytes = readFileSync(join(corpus, file));
        const sharpAlone = Promise.resolve().then(() => sharp(bytes, { autoOrient: true, failOn: 'error' }).raw().toBuffer({ resolveWithObject: true }));
        const [ours, sharps] = await Promise.all([outcome(decodeImage(bytes, { channels: 3 })), outcome(sharpAlone.then(({ info }) => info))]);
        expect([file, ours]).toEqual([file, sharps]);
      }
    }, 60_000);
  });
});
