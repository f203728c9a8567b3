import type { Corners } from '@app/vision/nms';

/** One labelled object of an image, in pixels of the (upright) image. */
export interface LabelledObject extends Corners {
  classIndex: number;
}

/**
 * Reads a YOLO-format label file (`class cx cy w h` a line, normalised to 0..1, as in ultralytics datasets) as
 * pixel corners of an image of the given size. Blank lines are skipped; a malformed line throws, naming its number.
 */
export function parseYoloLabels(text: string, image: { width: number; height: number }): LabelledObject[] {
  const objects: LabelledObject[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const fields = line.trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) return;
    const values = fields.map(Number);
    const [classIndex, cx, cy, w, h] = values;
    if (fields.length !== 5 || values.some((value) => !Number.isFinite(value)) || !Number.isInteger(classIndex) || classIndex < 0) {
      throw new Error(`line ${index + 1}: expected "class cx cy w h" with an integer class, got "${line.trim()}"`);
    }
    objects.push({
      classIndex,
      x1: (cx - w / 2) * image.width,
      y1: (cy - h / 2) * image.height,
      x2: (cx + w / 2) * image.width,
      y2: (cy + h / 2) * image.height,
    });
  });
  return objects;
}
