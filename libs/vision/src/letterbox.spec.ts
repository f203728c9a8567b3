import { dynamicInputSize, planLetterbox, roundHalfEven } from './letterbox';

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
