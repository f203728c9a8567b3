/**
 * The letterbox's resize as WebAssembly SIMD (AssemblyScript, built by `npm run build:wasm` into
 * ../src/letterbox-wasm.generated.ts): cv2.resize INTER_LINEAR on 8-bit pixels then `/ 255`, bit for bit. All
 * pointers are byte offsets into this module's memory, laid out from address 0 by ../src/letterbox-tensor.ts: the
 * module must keep no static data (build-wasm.mjs refuses a data section).
 */

/** Bytes 0-5 of a pixel pair (left RGB then right RGB) rearranged as R R G G B B, the rest zero. */
const RGB_PAIRS = i8x16(0, 3, 1, 4, 2, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
/** The same for RGBA: alpha skipped. */
const RGBA_PAIRS = i8x16(0, 4, 1, 5, 2, 6, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);

/**
 * One source row's horizontal pass: for each output column, its two source pixels times their 11-bit weights,
 * summed per channel and shifted right by 4, stored as i32x4 [R, G, B, 0]. A column's right pixel is read right after
 * its left one: where cv2 clamps it to the left pixel its weight is 0 (the source carries padding for that read).
 */
function horizontalPass(row: usize, pairs: v128, columnOffsets: usize, columnWeights: usize, width: i32, sums: usize): void {
  for (let x: usize = 0; x < <usize>width; x++) {
    const pixels = v128.load64_zero(row + <usize>load<i32>(columnOffsets + (x << 2)));
    const values = i16x8.extend_low_i8x16_u(i8x16.swizzle(pixels, pairs));
    const sum = i32x4.dot_i16x8_s(values, v128.load(columnWeights + (x << 4)));
    v128.store(sums + (x << 4), i32x4.shr_s(sum, 4));
  }
}

/** One output row: the two rows of sums blended as cv2's VResizeLinear does, as 0..1 floats into the three planes. */
function verticalPass(upper: usize, lower: usize, upperWeight: i32, lowerWeight: i32, width: i32, red: usize, planeBytes: usize): void {
  const upperWeights = i32x4.splat(upperWeight);
  const lowerWeights = i32x4.splat(lowerWeight);
  const two = i32x4.splat(2);
  const white = i32x4.splat(255);
  const scale = f32x4.splat(255);
  for (let x: usize = 0; x < <usize>width; x++) {
    const top = i32x4.shr_s(i32x4.mul(v128.load(upper + (x << 4)), upperWeights), 16);
    const bottom = i32x4.shr_s(i32x4.mul(v128.load(lower + (x << 4)), lowerWeights), 16);
    const byte = i32x4.min_s(i32x4.shr_s(i32x4.add(i32x4.add(top, bottom), two), 2), white);
    const unit = f32x4.div(f32x4.convert_i32x4_s(byte), scale);
    const out = red + (x << 2);
    store<f32>(out, f32x4.extract_lane(unit, 0));
    store<f32>(out + planeBytes, f32x4.extract_lane(unit, 1));
    store<f32>(out + 2 * planeBytes, f32x4.extract_lane(unit, 2));
  }
}

/**
 * Resizes the picture at `source` into the planar float tensor at `target` (its padding is the caller's).
 * `columnOffsets`: i32 per output column, its left pixel's byte offset within a row; `columnWeights`: i16x8 per column,
 * [left, right, left, right, left, right, 0, 0]; `rowTaps`: i32 × 4 per output row, upper and lower source row and
 * their weights. `sumsA` and `sumsB` hold 16 bytes per output column each.
 */
export function resize(
  source: usize,
  sourceWidth: i32,
  channels: i32,
  columnOffsets: usize,
  columnWeights: usize,
  width: i32,
  rowTaps: usize,
  height: i32,
  sumsA: usize,
  sumsB: usize,
  target: usize,
  inputWidth: i32,
  padTop: i32,
  padLeft: i32,
  planeBytes: usize,
): void {
  const pairs = channels == 4 ? RGBA_PAIRS : RGB_PAIRS;
  const stride = <usize>(sourceWidth * channels);
  let upper = sumsA;
  let lower = sumsB;
  let upperRow = -1;
  let lowerRow = -1;
  for (let y = 0; y < height; y++) {
    const taps = rowTaps + (<usize>y << 4);
    const top = load<i32>(taps);
    const bottom = load<i32>(taps, 4);
    if (top != upperRow) {
      if (top == lowerRow) {
        // One source row further down: the old lower row is the new upper one.
        const sums = upper;
        upper = lower;
        lower = sums;
        lowerRow = upperRow;
      } else {
        horizontalPass(source + <usize>top * stride, pairs, columnOffsets, columnWeights, width, upper);
      }
      upperRow = top;
    }
    if (bottom != top && bottom != lowerRow) {
      horizontalPass(source + <usize>bottom * stride, pairs, columnOffsets, columnWeights, width, lower);
      lowerRow = bottom;
    }
    const red = target + (<usize>((y + padTop) * inputWidth + padLeft) << 2);
    verticalPass(upper, bottom == top ? upper : lower, load<i32>(taps, 8), load<i32>(taps, 12), width, red, planeBytes);
  }
}
