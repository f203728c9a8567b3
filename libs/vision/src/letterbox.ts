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

export interface RgbaBitmap {
  width: number;
  height: number;
  /** Interleaved pixels, `channels` bytes each (RGBA from the decoders; RGB is accepted too); alpha is ignored. */
  data: Uint8Array;
  channels: 3 | 4;
}

/** Byte value → its 0..1 float, so the inner loop looks up instead of dividing. */
const UNIT_SCALE = Float32Array.from({ length: 256 }, (_, value) => value / 255);

/**
 * Resizes, pads and normalises in one pass over the output, writing planar RGB floats into `target` (length 3 ×
 * input height × input width, reused between calls). Interpolated values are rounded to bytes before scaling, as
 * cv2.resize on uint8 images does. Only the padding is filled with grey, so a reused target needs no clearing; a
 * bitmap the decoder has already resampled to the resized size is only converted.
 */
export function letterboxToTensor(bitmap: RgbaBitmap, geometry: LetterboxGeometry, target: Float32Array): Float32Array {
  const { input, resized, padTop, padLeft } = geometry;
  const plane = input.height * input.width;
  if (target.length < 3 * plane) throw new RangeError(`letterbox target holds ${target.length} floats, needs ${3 * plane}`);
  fillPadding(target, geometry);
  if (bitmap.width === resized.width && bitmap.height === resized.height) return copyToPlanes(bitmap, geometry, target);

  const columns = bilinearTaps(bitmap.width, resized.width, true);
  const rows = bilinearTaps(bitmap.height, resized.height, false);
  const { data, channels } = bitmap;
  const stride = bitmap.width * channels;
  const lastColumn = bitmap.width - 1;
  const lastRow = bitmap.height - 1;
  for (let y = 0; y < resized.height; y++) {
    const top = Math.min(Math.max(rows.index[y], 0), lastRow) * stride;
    const bottom = Math.min(Math.max(rows.index[y] + 1, 0), lastRow) * stride;
    const upperWeight = rows.near[y];
    const lowerWeight = rows.far[y];
    let out = (y + padTop) * input.width + padLeft;
    for (let x = 0; x < resized.width; x++, out++) {
      const left = columns.index[x] * channels;
      const right = Math.min(columns.index[x] + 1, lastColumn) * channels;
      const leftWeight = columns.near[x];
      const rightWeight = columns.far[x];
      for (let c = 0; c < 3; c++) {
        // Horizontal pass in integers, then cv2's vectorised vertical pass (VResizeLinearVec_32s8u): each row sum
        // shifted right by 4, multiplied keeping the high 16 bits, the two added and rounded off by 2 more bits.
        const upper = data[top + left + c] * leftWeight + data[top + right + c] * rightWeight;
        const lower = data[bottom + left + c] * leftWeight + data[bottom + right + c] * rightWeight;
        const value = ((((upper >> 4) * upperWeight) >> 16) + (((lower >> 4) * lowerWeight) >> 16) + 2) >> 2;
        target[c * plane + out] = UNIT_SCALE[value < 0 ? 0 : value > 255 ? 255 : value];
      }
    }
  }
  return target;
}

/** The bitmap is already the resized image (the decoder resampled it): only conversion to planar floats is left. */
function copyToPlanes({ data, channels }: RgbaBitmap, { input, resized, padTop, padLeft }: LetterboxGeometry, target: Float32Array) {
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
