/**
 * Letterbox geometry as torch hub's AutoShape plans it (keep the aspect ratio, grey 114 padding split evenly) and the
 * taps of its bilinear resize (cv2 INTER_LINEAR, half-pixel centres); letterbox-tensor.ts writes the tensor.
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
export function bilinearTaps(sourceLength: number, destinationLength: number, clampEdges: boolean) {
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
