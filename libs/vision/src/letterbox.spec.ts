import { dynamicInputSize, LETTERBOX_PAD_VALUE, letterboxToTensor, planLetterbox, RgbaBitmap, roundHalfEven } from './letterbox';

const pad = LETTERBOX_PAD_VALUE / 255;

function solidBitmap(width: number, height: number, rgb: [number, number, number], channels: 3 | 4 = 4): RgbaBitmap {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) data.set(channels === 4 ? [...rgb, 255] : rgb, i * channels);
  return { width, height, data, channels };
}

describe('roundHalfEven (Python round)', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [2.4, 2],
    [2.6, 3],
  ])('rounds %p to %p', (value, expected) => expect(roundHalfEven(value)).toBe(expected));
});

describe('dynamicInputSize (AutoShape shape1)', () => {
  it.each([
    [{ width: 810, height: 1080 }, { width: 480, height: 640 }],
    [{ width: 1280, height: 720 }, { width: 640, height: 384 }],
    [{ width: 1352, height: 900 }, { width: 640, height: 448 }],
    [{ width: 4032, height: 2688 }, { width: 640, height: 448 }],
    [{ width: 640, height: 640 }, { width: 640, height: 640 }],
    [{ width: 12800, height: 128 }, { width: 640, height: 32 }],
    [{ width: 2, height: 1 }, { width: 640, height: 320 }],
  ])('%p → %p', (image, expected) => expect(dynamicInputSize(image, 640, 32)).toEqual(expected));
});

describe('planLetterbox', () => {
  it('centres a portrait image in a square input with even padding', () => {
    expect(planLetterbox({ width: 810, height: 1080 }, { width: 640, height: 640 })).toEqual({
      input: { width: 640, height: 640 },
      resized: { width: 480, height: 640 },
      padTop: 0,
      padLeft: 80,
    });
  });

  it('centres a landscape image vertically', () => {
    const geometry = planLetterbox({ width: 1280, height: 720 }, { width: 640, height: 640 });
    expect(geometry.resized).toEqual({ width: 640, height: 360 });
    expect(geometry.padTop).toBe(140);
    expect(geometry.padLeft).toBe(0);
  });

  it('puts the odd pixel of padding at the bottom, as round(dh - 0.1) / round(dh + 0.1) do', () => {
    // 1352x900 → 640x426: 214 rows of padding... in a 640x640 input, dh = 107.0; at 640x448, dh = 11.0.
    const geometry = planLetterbox({ width: 1000, height: 499 }, { width: 640, height: 320 });
    // resized height = round(499 * 0.64) = 319 → dh = 0.5 → top = round(0.4) = 0, bottom = 1
    expect(geometry.resized).toEqual({ width: 640, height: 319 });
    expect(geometry.padTop).toBe(0);
  });

  it('scales small images up to fill the input', () => {
    expect(planLetterbox({ width: 8, height: 8 }, { width: 640, height: 640 }).resized).toEqual({ width: 640, height: 640 });
  });
});

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
    const bitmap: RgbaBitmap = { width: 2, height: 1, channels: 4, data: new Uint8Array([0, 0, 0, 0, 200, 200, 200, 7]) };
    const tensor = letterboxToTensor(bitmap, planLetterbox(bitmap, { width: 4, height: 2 }), new Float32Array(3 * 8));
    const row = Array.from(tensor.subarray(0, 4)).map((value) => Math.round(value * 255));
    expect(row).toEqual([0, 50, 150, 200]);
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
    const bitmap: RgbaBitmap = { width: 4, height: 2, channels: 4, data };
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
