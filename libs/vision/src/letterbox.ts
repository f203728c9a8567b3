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

/** Source index and weight of the next pixel for each destination pixel along one axis (cv2 INTER_LINEAR). */
function bilinearTaps(sourceLength: number, destinationLength: number) {
  const index = new Int32Array(destinationLength);
  const weight = new Float32Array(destinationLength);
  const scale = sourceLength / destinationLength;
  for (let d = 0; d < destinationLength; d++) {
    const position = (d + 0.5) * scale - 0.5;
    let source = Math.floor(position);
    let fraction = position - source;
    if (source < 0) {
      source = 0;
      fraction = 0;
    }
    if (source >= sourceLength - 1) {
      source = sourceLength - 1;
      fraction = 0;
    }
    index[d] = source;
    weight[d] = fraction;
  }
  return { index, weight };
}

export interface RgbaBitmap {
  width: number;
  height: number;
  /** Interleaved pixels, `channels` bytes each (RGBA from jimp, RGB from sharp); alpha is ignored. */
  data: Uint8Array;
  channels: 3 | 4;
}

/**
 * Resizes, pads and normalises in one pass over the bitmap, writing planar RGB floats into `target`
 * (length 3 × input height × input width, reused between calls). Interpolated values are rounded to bytes
 * before scaling, as cv2.resize on uint8 images does.
 */
export function letterboxToTensor(bitmap: RgbaBitmap, geometry: LetterboxGeometry, target: Float32Array): Float32Array {
  const { input, resized, padTop, padLeft } = geometry;
  const plane = input.height * input.width;
  if (target.length < 3 * plane) throw new RangeError(`letterbox target holds ${target.length} floats, needs ${3 * plane}`);
  const pad = LETTERBOX_PAD_VALUE / 255;
  target.fill(pad, 0, 3 * plane);

  const columns = bilinearTaps(bitmap.width, resized.width);
  const rows = bilinearTaps(bitmap.height, resized.height);
  const { data, channels } = bitmap;
  const stride = bitmap.width * channels;
  const lastColumn = bitmap.width - 1;
  const lastRow = bitmap.height - 1;
  for (let y = 0; y < resized.height; y++) {
    const sourceRow = rows.index[y];
    const fy = rows.weight[y];
    const top = sourceRow * stride;
    const bottom = Math.min(sourceRow + 1, lastRow) * stride;
    let out = (y + padTop) * input.width + padLeft;
    for (let x = 0; x < resized.width; x++, out++) {
      const sourceColumn = columns.index[x];
      const fx = columns.weight[x];
      const left = sourceColumn * channels;
      const right = Math.min(sourceColumn + 1, lastColumn) * channels;
      for (let c = 0; c < 3; c++) {
        const upper = data[top + left + c] + (data[top + right + c] - data[top + left + c]) * fx;
        const lower = data[bottom + left + c] + (data[bottom + right + c] - data[bottom + left + c]) * fx;
        target[c * plane + out] = Math.round(upper + (lower - upper) * fy) / 255;
      }
    }
  }
  return target;
}
