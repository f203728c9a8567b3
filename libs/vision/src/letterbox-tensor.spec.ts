import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeImage } from './image-decoder';
import { Bitmap, bilinearTaps, dynamicInputSize, LETTERBOX_PAD_VALUE, planLetterbox, roundHalfEven } from './letterbox';
import { LetterboxKernel, letterboxToTensor, sourceBands } from './letterbox-tensor';

const REPO_ROOT = resolve(__dirname, '../../..');

const pad = LETTERBOX_PAD_VALUE / 255;

function solidBitmap(width: number, height: number, rgb: [number, number, number], channels: 3 | 4 = 4): Bitmap {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) data.set(channels === 4 ? [...rgb, 255] : rgb, i * channels);
  return { width, height, data, channels };
}

/** cv2's INTER_LINEAR per output value, written plainly: four source pixels read afresh for every value. */
function plainResize({ width, height, data, channels }: Bitmap, resized: { width: number; height: number }): number[] {
  const taps = (source: number, destination: number, clamp: boolean) =>
    Array.from({ length: destination }, (_, d) => {
      const position = Math.fround((d + 0.5) * (1 / (destination / source)) - 0.5);
      let index = Math.floor(position);
      let fraction = Math.fround(position - index);
      if (clamp && (index < 0 || index >= source - 1)) [index, fraction] = [Math.min(Math.max(index, 0), source - 1), 0];
      return { index, near: roundHalfEven(Math.fround(1 - fraction) * 2048), far: roundHalfEven(fraction * 2048) };
    });
  const columns = taps(width, resized.width, true);
  const rows = taps(height, resized.height, false);
  const at = (x: number, y: number, c: number) => data[(Math.min(Math.max(y, 0), height - 1) * width + Math.min(x, width - 1)) * channels + c];
  const values: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (const row of rows) {
      for (const column of columns) {
        const sum = (y: number) => (at(column.index, y, c) * column.near + at(column.index + 1, y, c) * column.far) >> 4;
        values.push(Math.min(255, (((sum(row.index) * row.near) >> 16) + ((sum(row.index + 1) * row.far) >> 16) + 2) >> 2));
      }
    }
  }
  return values;
}

describe('letterboxToTensor', () => {
  it('writes planar RGB in 0..1 inside the resized area and 114 grey padding around it', () => {
    const bitmap = solidBitmap(4, 2, [255, 0, 51]);
    const geometry = planLetterbox(bitmap, { width: 8, height: 8 });
    const tensor = letterboxToTensor(bitmap, geometry, new Float32Array(3 * 64));
    const at = (channel: number, y: number, x: number) => tensor[channel * 64 + y * 8 + x];
    expect(geometry).toMatchObject({ resized: { width: 8, height: 4 }, padTop: 2, padLeft: 0 });
    for (let x = 0; x < 8; x++) {
      expect([at(0, 0, x), at(1, 1, x), at(2, 7, x)]).toEqual([pad, pad, pad].map((v) => Math.fround(v)));
      expect([at(0, 3, x), at(1, 3, x), at(2, 3, x)]).toEqual([1, 0, Math.fround(0.2)]);
    }
  });

  it('interpolates bilinearly with half-pixel centres (cv2 INTER_LINEAR) and ignores alpha', () => {
    // A 2x1 image black|white upscaled to 4x2: columns sample at -0.25, 0.25, 0.75, 1.25 → 0, 0.25, 0.75, 1 of the way.
    const bitmap: Bitmap = { width: 2, height: 1, channels: 4, data: new Uint8Array([0, 0, 0, 0, 200, 200, 200, 7]) };
    const tensor = letterboxToTensor(bitmap, planLetterbox(bitmap, { width: 4, height: 2 }), new Float32Array(3 * 8));
    const row = Array.from(tensor.subarray(0, 4)).map((value) => Math.round(value * 255));
    expect(row).toEqual([0, 50, 150, 200]);
  });

  // Expected bytes from OpenCV 4.6.0 (the reference's version): cv2.resize(src, (w, h), interpolation=cv2.INTER_LINEAR)
  // of the 7x5 RGB pattern below. cv2 works in 11-bit fixed point: a float bilinear differs by 1 on ~10% of values.
  const PATTERN = Uint8Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 37) % 256);
  it.each([
    [3, 2, [80, 117, 154, 84, 121, 158, 87, 124, 161, 103, 140, 177, 106, 143, 180, 109, 146, 162]],
    [4, 3, [44, 81, 119, 207, 20, 57, 177, 214, 27, 115, 152, 189, 60, 97, 134, 222, 35, 72, 192, 229, 42, 130, 167, 204, 74, 111, 149, 87, 50, 87, 207, 95, 57, 145, 182, 113]],
    [11, 9, [
      0, 37, 74, 50, 87, 124, 121, 135, 172, 192, 42, 79, 169, 43, 80, 77, 114, 151, 148, 185, 59, 148, 185, 36, 56, 93, 107, 104, 140, 177, 154, 191, 228, 3, 40, 77, 53, 90, 127, 124, 138, 175, 195, 45, 83, 172, 46, 83, 80, 117, 154, 150, 188, 62, 151, 188, 39, 59, 96, 110, 107, 143, 180, 157, 194, 231, 8, 45, 82, 58, 95, 132, 129, 143, 180, 200, 50, 87, 177, 51, 88, 85, 122, 159, 155, 193, 67, 156, 193, 44, 64, 101, 115, 112, 148, 186,
      162, 199, 236, 13, 50, 87, 63, 100, 137, 134, 148, 185, 205, 55, 92, 182, 56, 93, 90, 127, 164, 161, 198, 72, 161, 198, 49, 69, 106, 120, 117, 153, 190, 167, 204, 241, 18, 55, 92, 68, 105, 142, 139, 153, 190, 210, 61, 98, 187, 61, 98, 95, 132, 169, 166, 203, 77, 166, 203, 54, 74, 111, 125, 122, 159, 196, 172, 209, 246, 23, 60, 97, 73, 110, 147, 144, 158, 195, 215, 65, 102, 192, 66, 103, 100, 137, 174, 171, 208, 82, 171, 208, 59, 79, 116, 130, 127, 163, 200,
      177, 214, 251, 28, 65, 102, 78, 115, 152, 146, 163, 200, 199, 70, 107, 179, 71, 108, 105, 142, 179, 175, 194, 87, 176, 193, 64, 84, 119, 135, 132, 168, 190, 182, 219, 227, 33, 70, 107, 83, 120, 157, 138, 168, 205, 100, 75, 113, 93, 76, 113, 110, 147, 184, 180, 109, 92, 181, 94, 69, 89, 111, 140, 137, 173, 117, 187, 224, 90, 36, 73, 110, 86, 123, 160, 134, 171, 208, 41, 78, 115, 42, 79, 116, 113, 150, 187, 184, 58, 95, 184, 35, 72, 92, 106, 143, 140, 176, 74, 190, 227, 8,
    ]],
  ])("resizes to %ix%i with cv2's exact bytes", (width, height, expected) => {
    const bitmap: Bitmap = { width: 7, height: 5, channels: 3, data: PATTERN };
    const geometry = { input: { width, height }, resized: { width, height }, padTop: 0, padLeft: 0 };
    const tensor = letterboxToTensor(bitmap, geometry, new Float32Array(3 * width * height));
    const plane = width * height;
    const interleaved = Array.from({ length: 3 * plane }, (_, i) => Math.round(tensor[(i % 3) * plane + Math.floor(i / 3)] * 255));
    expect(interleaved).toEqual(expected);
  });


  // The kernel keeps each source row's horizontal pass for the next output rows: shrinking or enlarging, it must give cv2's bytes
  // whichever way each axis goes, RGB or RGBA.
  it.each([
    [7, 5, 3, 2],
    [7, 5, 11, 9],
    [7, 5, 3, 9],
    [7, 5, 11, 2],
    [40, 30, 97, 61],
    [97, 61, 40, 30],
    [13, 1, 5, 7],
    [1, 13, 7, 5],
  ])('resizes %ix%i to %ix%i as the plain per-value formula does', (width, height, toWidth, toHeight) => {
    for (const channels of [3, 4] as const) {
      const data = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 97 + (i >> 5) * 31) % 256);
      const bitmap: Bitmap = { width, height, data, channels };
      const geometry = { input: { width: toWidth, height: toHeight }, resized: { width: toWidth, height: toHeight }, padTop: 0, padLeft: 0 };
      const tensor = letterboxToTensor(bitmap, geometry, new Float32Array(3 * toWidth * toHeight));
      expect(Array.from(tensor, (value) => Math.round(value * 255))).toEqual(plainResize(bitmap, geometry.resized));
    }
  });

  it('accepts RGB bitmaps (3 channels) with the same result as RGBA', () => {
    const rgba = solidBitmap(3, 5, [10, 20, 30], 4);
    const rgb = solidBitmap(3, 5, [10, 20, 30], 3);
    const geometry = planLetterbox(rgba, { width: 32, height: 32 });
    expect(letterboxToTensor(rgb, geometry, new Float32Array(3 * 1024))).toEqual(letterboxToTensor(rgba, geometry, new Float32Array(3 * 1024)));
  });

  it('writes every value of a reused target: padding and image alike, whatever the buffer held', () => {
    const portrait = solidBitmap(3, 5, [10, 20, 30]);
    const landscape = solidBitmap(7, 2, [200, 100, 0]);
    for (const bitmap of [portrait, landscape]) {
      const geometry = planLetterbox(bitmap, { width: 16, height: 16 });
      const reused = letterboxToTensor(bitmap, geometry, new Float32Array(3 * 256).fill(Number.NaN));
      expect(reused).toEqual(letterboxToTensor(bitmap, geometry, new Float32Array(3 * 256)));
      expect(reused.some(Number.isNaN)).toBe(false);
    }
  });

  it('only converts a bitmap that already has the resized size (the decoder resampled it)', () => {
    const data = Uint8Array.from({ length: 4 * 2 * 4 }, (_, i) => (i * 37) % 256);
    const bitmap: Bitmap = { width: 4, height: 2, channels: 4, data };
    const geometry = planLetterbox({ width: 400, height: 200 }, { width: 4, height: 4 });
    expect(geometry).toMatchObject({ resized: { width: 4, height: 2 }, padTop: 1 });
    const tensor = letterboxToTensor(bitmap, geometry, new Float32Array(3 * 16));
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 4; x++) {
        for (let c = 0; c < 3; c++) expect(tensor[c * 16 + (y + 1) * 4 + x]).toBe(Math.fround(data[(y * 4 + x) * 4 + c] / 255));
      }
    }
  });

  it('refuses a target buffer that is too small', () => {
    const bitmap = solidBitmap(2, 2, [0, 0, 0]);
    expect(() => letterboxToTensor(bitmap, planLetterbox(bitmap, { width: 8, height: 8 }), new Float32Array(10))).toThrow(RangeError);
  });
});

describe('LetterboxKernel (WebAssembly SIMD)', () => {
  const fullGeometry = (width: number, height: number) => ({ input: { width, height }, resized: { width, height }, padTop: 0, padLeft: 0 });

  it('turns every byte value into the float32 `value / 255` that the copy path looks up', () => {
    // 256x1 enlarged to 256x2: both output rows blend the one source row with itself, so each value comes out as it went in.
    const data = Uint8Array.from({ length: 256 * 3 }, (_, i) => Math.floor(i / 3));
    const tensor = new LetterboxKernel().letterbox({ width: 256, height: 1, channels: 3, data }, fullGeometry(256, 2));
    for (let value = 0; value < 256; value++) expect([tensor[value], tensor[256 + value], tensor[2 * 512 + value]]).toEqual(Array(3).fill(Math.fround(value / 255)));
  });

  it('gives the same tensor whatever the source band size, shrinking and enlarging, RGB and RGBA', () => {
    for (const [width, height, toWidth, toHeight] of [[97, 61, 40, 30], [40, 30, 97, 61], [13, 200, 7, 9]]) {
      for (const channels of [3, 4] as const) {
        const bitmap: Bitmap = { width, height, channels, data: Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 89 + (i >> 7)) % 256) };
        const geometry = planLetterbox(bitmap, { width: toWidth + 6, height: toHeight + 4 });
        const whole = Array.from(new LetterboxKernel().letterbox(bitmap, geometry));
        // A band budget below two source rows: one output row per band.
        expect(Array.from(new LetterboxKernel(1).letterbox(bitmap, geometry))).toEqual(whole);
        expect(Array.from(new LetterboxKernel(7 * width * channels).letterbox(bitmap, geometry))).toEqual(whole);
      }
    }
  });

  it('plans bands that hold each source row once, in order, and every row their output rows read', () => {
    for (const [sourceHeight, height] of [[1080, 480], [61, 200], [2688, 448], [5, 5]]) {
      const { index } = bilinearTaps(sourceHeight, height, false);
      const clamp = (row: number) => Math.min(Math.max(row, 0), sourceHeight - 1);
      const [upper, lower] = [index.map(clamp), index.map((row) => clamp(row + 1))];
      for (const bandRows of [1, 3, 50, 10_000]) {
        const bands = sourceBands(upper, lower, 1, bandRows);
        expect(bands[0].start).toBe(0);
        expect(bands.at(-1)!.end).toBe(height);
        bands.forEach((band, i) => {
          if (i > 0) expect(band.start).toBe(bands[i - 1].end);
          expect(band.rows).toEqual([...new Set(band.rows)].sort((a, b) => a - b));
          expect(band.rows.length <= bandRows || band.end - band.start === 1).toBe(true);
          for (let y = band.start; y < band.end; y++) expect(band.rows).toEqual(expect.arrayContaining([upper[y], lower[y]]));
        });
      }
    }
  });

  it('reuses its memory across input sizes without leaking one picture into the next', () => {
    const kernel = new LetterboxKernel();
    const pictures = [[300, 200], [20, 30], [640, 512], [33, 7]].map(([width, height], n): Bitmap => ({
      width,
      height,
      channels: 3,
      data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 31 + n * 17) % 256),
    }));
    for (const bitmap of [...pictures, ...pictures.reverse()]) {
      const geometry = planLetterbox(bitmap, dynamicInputSize(bitmap, 160, 32));
      expect(Array.from(kernel.letterbox(bitmap, geometry))).toEqual(Array.from(new LetterboxKernel().letterbox(bitmap, geometry)));
    }
  });

  it('letterboxes a real photo (bus.jpg, 810x1080 into 480x640) as the plain per-value formula does', async () => {
    const photo = await decodeImage(readFileSync(resolve(REPO_ROOT, '../shared/corpus/photos/bus.jpg')), { channels: 3 });
    const geometry = planLetterbox(photo, dynamicInputSize(photo, 640, 32));
    expect(geometry).toMatchObject({ input: { width: 480, height: 640 }, padTop: 0, padLeft: 0 });
    const tensor = new LetterboxKernel().letterbox(photo, geometry);
    expect(Array.from(tensor, (value) => Math.round(value * 255))).toEqual(plainResize(photo, geometry.resized));
  });

  it('is what its AssemblyScript source builds to (npm run build:wasm)', () => {
    expect(() => execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: REPO_ROOT, stdio: 'pipe' })).not.toThrow();
  });
});
