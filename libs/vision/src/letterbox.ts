/**
 * Letterbox geometry and the one-pass resize + normalise into the model's NCHW input, as torch hub's AutoShape
 * does it: keep the aspect ratio, bilinear resize (cv2 INTER_LINEAR, half-pixel centres), grey 114 padding split
 * evenly, RGB scaled to 0..1.
 */
export const LETTERBOX_PAD_VALUE = 114;

export interface InputSize {
  height: number;
  width: number;
}

export interface LetterboxGeometry {
  /** Size of the tensor fed to the model. */
  input: InputSize;
  /** Size of the resized image inside it. */
  resized: InputSize;
  padTop: number;
  padLeft: number;
}

/** Python's round(): halves go to the even neighbour (AutoShape's arithmetic relies on it). */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The input size AutoShape uses for a model with dynamic height/width: the longest side scaled to `size`,
 * each side rounded up to a multiple of the stride (810x1080 at 640 → 480x640).
 */
export function dynamicInputSize(image: InputSize, size: number, stride: number): InputSize {
  const gain = size / Math.max(image.height, image.width);
  const toStride = (side: number) => Math.max(stride, Math.ceil(Math.floor(side * gain) / stride) * stride);
  return { height: toStride(image.height), width: toStride(image.width) };
}

export function planLetterbox(image: InputSize, input: InputSize): LetterboxGeometry {
  const ratio = Math.min(input.height / image.height, input.width / image.width);
  const resized = {
    height: Math.min(input.height, Math.max(1, roundHalfEven(image.height * ratio))),
    width: Math.min(input.width, Math.max(1, roundHalfEven(image.width * ratio))),
  };
  const halfPadY = (input.height - resized.height) / 2;
  const halfPadX = (input.width - resized.width) / 2;
  return { input, resized, padTop: roundHalfEven(halfPadY - 0.1), padLeft: roundHalfEven(halfPadX - 0.1) };
}

/** cv2's fixed-point INTER_LINEAR: weights are integers scaled by 2^11 (INTER_RESIZE_COEF_BITS). */
const COEFFICIENT_SCALE = 2048;

/**
 * Source index and the two fixed-point weights of each destination pixel along one axis, computed as cv2.resize
 * computes them for 8-bit images: the position in single precision from 1 / (destination / source), the weights
 * rounded to 11 bits. Outside the image the nearest edge pixel is used, as cv2 does (with weight 2^11 for columns;
 * rows are clamped when they are read).
 */
function bilinearTaps(sourceLength: number, destinationLength: number, clampEdges: boolean) {
  const index = new Int32Array(destinationLength);
  const near = new Int32Array(destinationLength);
  const far = new Int32Array(destinationLength);
  const scale = 1 / (destinationLength / sourceLength);
  for (let d = 0; d < destinationLength; d++) {
    const position = Math.fround((d + 0.5) * scale - 0.5);
    let source = Math.floor(position);
    let fraction = Math.fround(position - source);
    if (clampEdges && source < 0) {
      source = 0;
      fraction = 0;
    }
    if (clampEdges && source >= sourceLength - 1) {
      source = sourceLength - 1;
      fraction = 0;
    }
    index[d] = source;
    near[d] = roundHalfEven(Math.fround(1 - fraction) * COEFFICIENT_SCALE);
    far[d] = roundHalfEven(fraction * COEFFICIENT_SCALE);
  }
  return { index, near, far };
}

/** A decoded picture: interleaved 8-bit RGB or RGBA pixels (the letterbox ignores alpha). */
export interface Bitmap {
  width: number;
  height: number;
  data: Uint8Array;
  channels: 3 | 4;
}

/**
 * Byte value → its 0..1 float, so the inner loop looks up instead of dividing. The fixed-point sums stay within
 * 0..255 (each axis' two weights add up to at most 2^11 + 1); the table goes on to 511, saturated at 1 as cv2
 * saturates, so the inner loop needs no range test even if that ever failed.
 */
const UNIT_SCALE = Float32Array.from({ length: 512 }, (_, value) => Math.min(value, 255) / 255);

/**
 * Resizes, pads and normalises into `target` (planar RGB floats, length 3 × input height × input width, reused
 * between calls), bit for bit as cv2.resize INTER_LINEAR on uint8 then `/ 255` does. Only the padding is filled with
 * grey, so a reused target needs no clearing; a bitmap the decoder has already resampled to the resized size is only
 * converted.
 */
export function letterboxToTensor(bitmap: Bitmap, geometry: LetterboxGeometry, target: Float32Array): Float32Array {
  const { input, resized } = geometry;
  const plane = input.height * input.width;
  if (target.length < 3 * plane) throw new RangeError(`letterbox target holds ${target.length} floats, needs ${3 * plane}`);
  fillPadding(target, geometry);
  if (bitmap.width === resized.width && bitmap.height === resized.height) return copyToPlanes(bitmap, geometry, target);
  // Both give the same bytes; each is the faster one in its direction.
  if (resized.height > bitmap.height) return resizeEnlargingRows(bitmap, geometry, target);
  return resizeEachPixel(bitmap, geometry, target);
}

/**
 * Where each output column reads and with which weights, worked out once per image: byte offsets of the left and
 * right source pixels within a row (so RGB and RGBA share one loop), the right one clamped at the last column where
 * its weight is 0 (so the loops have no edge test).
 */
function columnTaps(sourceWidth: number, channels: number, width: number) {
  const { index, near, far } = bilinearTaps(sourceWidth, width, true);
  const left = new Int32Array(width);
  const right = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    left[x] = index[x] * channels;
    right[x] = Math.min(index[x] + 1, sourceWidth - 1) * channels;
  }
  return { left, right, leftWeight: near, rightWeight: far };
}

/** The two source rows each output row blends, clamped to the image as cv2 reads them, and their weights. */
function rowTaps(sourceHeight: number, height: number) {
  const { index, near, far } = bilinearTaps(sourceHeight, height, false);
  const clamp = (row: number) => Math.min(Math.max(row, 0), sourceHeight - 1);
  return { upper: index.map(clamp), lower: index.map((row) => clamp(row + 1)), upperWeight: near, lowerWeight: far };
}

/*
 * The arithmetic of both resizers is cv2's for 8-bit images: the horizontal pass (HResizeLinear) sums each source
 * row's two pixels times their 11-bit weights; the vertical pass (VResizeLinearVec_32s8u) shifts each row sum right
 * by 4, multiplies it by its row weight keeping the high 16 bits, adds the two and rounds off 2 more bits. The byte
 * is then looked up as its 0..1 float.
 */

/**
 * Shrinking (or keeping the height): each output pixel reads its four source pixels and goes through both passes at
 * once. No source row is used twice, so keeping horizontal sums would only add stores and loads (measured 1.4x slower).
 */
function resizeEachPixel({ data, width: sourceWidth, height: sourceHeight, channels }: Bitmap, geometry: LetterboxGeometry, target: Float32Array) {
  const { input, resized, padTop, padLeft } = geometry;
  const plane = input.height * input.width;
  const columns = columnTaps(sourceWidth, channels, resized.width);
  const { left, right, leftWeight, rightWeight } = columns;
  const rows = rowTaps(sourceHeight, resized.height);
  const stride = sourceWidth * channels;
  for (let y = 0; y < resized.height; y++) {
    const top = rows.upper[y] * stride;
    const bottom = rows.lower[y] * stride;
    const upperWeight = rows.upperWeight[y];
    const lowerWeight = rows.lowerWeight[y];
    // One running offset per plane rather than channel × plane arithmetic per value.
    let red = (y + padTop) * input.width + padLeft;
    let green = red + plane;
    let blue = green + plane;
    for (let x = 0; x < resized.width; x++, red++, green++, blue++) {
      const topLeft = top + left[x];
      const topRight = top + right[x];
      const bottomLeft = bottom + left[x];
      const bottomRight = bottom + right[x];
      const leftW = leftWeight[x];
      const rightW = rightWeight[x];
      // The three channels written out rather than looped over: each pixel's offsets and weights are loaded once.
      const upperRed = (data[topLeft] * leftW + data[topRight] * rightW) >> 4;
      const lowerRed = (data[bottomLeft] * leftW + data[bottomRight] * rightW) >> 4;
      target[red] = UNIT_SCALE[(((upperRed * upperWeight) >> 16) + ((lowerRed * lowerWeight) >> 16) + 2) >> 2];
      const upperGreen = (data[topLeft + 1] * leftW + data[topRight + 1] * rightW) >> 4;
      const lowerGreen = (data[bottomLeft + 1] * leftW + data[bottomRight + 1] * rightW) >> 4;
      target[green] = UNIT_SCALE[(((upperGreen * upperWeight) >> 16) + ((lowerGreen * lowerWeight) >> 16) + 2) >> 2];
      const upperBlue = (data[topLeft + 2] * leftW + data[topRight + 2] * rightW) >> 4;
      const lowerBlue = (data[bottomLeft + 2] * leftW + data[bottomRight + 2] * rightW) >> 4;
      target[blue] = UNIT_SCALE[(((upperBlue * upperWeight) >> 16) + ((lowerBlue * lowerWeight) >> 16) + 2) >> 2];
    }
  }
  return target;
}

/**
 * Enlarging: neighbouring output rows blend the same two source rows, so, as cv2 does, each source row's horizontal
 * pass is done once into an integer row (R, G, B one after another, as the planes are written) and kept while the
 * output rows still need it (measured 1.3-1.6x faster than blending each pixel afresh).
 */
function resizeEnlargingRows(bitmap: Bitmap, geometry: LetterboxGeometry, target: Float32Array) {
  const { input, resized, padTop, padLeft } = geometry;
  const { width } = resized;
  const plane = input.height * input.width;
  const columns = columnTaps(bitmap.width, bitmap.channels, width);
  const rows = rowTaps(bitmap.height, resized.height);
  let upper = new Int32Array(3 * width);
  let lower = new Int32Array(3 * width);
  let upperRow = -1;
  let lowerRow = -1;
  for (let y = 0; y < resized.height; y++) {
    const top = rows.upper[y];
    const bottom = rows.lower[y];
    if (top !== upperRow) {
      if (top === lowerRow) {
        // One source row further down: the old lower row is the new upper one.
        [upper, lower] = [lower, upper];
        [upperRow, lowerRow] = [lowerRow, upperRow];
      } else {
        horizontalPass(bitmap, top, columns, upper);
        upperRow = top;
      }
    }
    if (bottom !== top && bottom !== lowerRow) {
      horizontalPass(bitmap, bottom, columns, lower);
      lowerRow = bottom;
    }
    const upperWeight = rows.upperWeight[y];
    const lowerWeight = rows.lowerWeight[y];
    const lowerSums = bottom === top ? upper : lower;
    let out = (y + padTop) * input.width + padLeft;
    for (let channel = 0, sum = 0; channel < 3; channel++, out += plane) {
      for (let x = 0; x < width; x++, sum++) {
        target[out + x] = UNIT_SCALE[(((upper[sum] * upperWeight) >> 16) + ((lowerSums[sum] * lowerWeight) >> 16) + 2) >> 2];
      }
    }
  }
  return target;
}

/** One source row's horizontal pass, already shifted right by 4 as the vertical pass would. */
function horizontalPass({ data, width: sourceWidth, channels }: Bitmap, sourceRow: number, columns: ReturnType<typeof columnTaps>, sums: Int32Array) {
  const { left, right, leftWeight, rightWeight } = columns;
  const width = left.length;
  const row = sourceRow * sourceWidth * channels;
  for (let x = 0, green = width, blue = 2 * width; x < width; x++, green++, blue++) {
    const leftPixel = row + left[x];
    const rightPixel = row + right[x];
    const leftW = leftWeight[x];
    const rightW = rightWeight[x];
    sums[x] = (data[leftPixel] * leftW + data[rightPixel] * rightW) >> 4;
    sums[green] = (data[leftPixel + 1] * leftW + data[rightPixel + 1] * rightW) >> 4;
    sums[blue] = (data[leftPixel + 2] * leftW + data[rightPixel + 2] * rightW) >> 4;
  }
}

/** The bitmap is already the resized image (the decoder resampled it): only conversion to planar floats is left. */
function copyToPlanes({ data, channels }: Bitmap, { input, resized, padTop, padLeft }: LetterboxGeometry, target: Float32Array) {
  const plane = input.height * input.width;
  for (let y = 0, source = 0; y < resized.height; y++) {
    const out = (y + padTop) * input.width + padLeft;
    for (let x = out; x < out + resized.width; x++, source += channels) {
      target[x] = UNIT_SCALE[data[source]];
      target[plane + x] = UNIT_SCALE[data[source + 1]];
      target[2 * plane + x] = UNIT_SCALE[data[source + 2]];
    }
  }
  return target;
}

/** Grey 114 everywhere outside the resized image: the rows above and below it, and the columns beside it. */
function fillPadding(target: Float32Array, { input, resized, padTop, padLeft }: LetterboxGeometry) {
  const pad = LETTERBOX_PAD_VALUE / 255;
  const plane = input.height * input.width;
  const imageEnd = (padTop + resized.height) * input.width;
  const rightPad = input.width - padLeft - resized.width;
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    target.fill(pad, base, base + padTop * input.width);
    target.fill(pad, base + imageEnd, base + plane);
    if (padLeft === 0 && rightPad === 0) continue;
    for (let y = padTop; y < padTop + resized.height; y++) {
      const row = base + y * input.width;
      target.fill(pad, row, row + padLeft);
      target.fill(pad, row + padLeft + resized.width, row + input.width);
    }
  }
}
