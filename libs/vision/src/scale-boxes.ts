import { InputSize } from './letterbox';
import { Candidate } from './yolo-output';

/**
 * Maps boxes from model-input pixels back to the original image (ultralytics scale_boxes: the gain and padding
 * are recomputed from the two sizes, unrounded) and clips them to the image.
 */
export function scaleBoxesToImage(candidates: readonly Candidate[], input: InputSize, image: InputSize): Candidate[] {
  const gain = Math.min(input.height / image.height, input.width / image.width);
  const padX = (input.width - image.width * gain) / 2;
  const padY = (input.height - image.height * gain) / 2;
  const clip = (value: number, max: number) => Math.min(Math.max(value, 0), max);
  return candidates.map((box) => ({
    ...box,
    x1: clip((box.x1 - padX) / gain, image.width),
    y1: clip((box.y1 - padY) / gain, image.height),
    x2: clip((box.x2 - padX) / gain, image.width),
    y2: clip((box.y2 - padY) / gain, image.height),
  }));
}

/**
 * The seed's JSON shape of one detection: pixel corners and 3-decimal confidence. The corners are integers
 * (truncated, like Python's int()) unless sub-pixel boxes were asked for.
 */
export interface Detection {
  x_min: number;
  y_min: number;
  x_max: number;
  y_max: number;
  class_name: string;
  confidence: number;
}

/** Sub-pixel corners are rounded to this fraction of a pixel: finer than any model's localisation, short in JSON. */
export const FLOAT_BOX_DECIMALS = 2;

export function toDetection(box: Candidate, classNames: readonly string[], floatBoxes = false): Detection {
  const scale = 10 ** FLOAT_BOX_DECIMALS;
  const corner = floatBoxes ? (value: number) => Math.round(value * scale) / scale : Math.trunc;
  return {
    x_min: corner(box.x1),
    y_min: corner(box.y1),
    x_max: corner(box.x2),
    y_max: corner(box.y2),
    class_name: classNames[box.classIndex] ?? String(box.classIndex),
    confidence: Math.round(box.confidence * 1000) / 1000,
  };
}
