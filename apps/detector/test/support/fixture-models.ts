import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FixtureRow, makeFixedOutputModel } from '@app/onnx-writer';

/**
 * The e2e fixture models: yolov5s/m/l files with the export contract whose output is a fixed table, so the
 * expected detections of any image follow from letterbox geometry alone. Coordinates are model-input pixels.
 */
export const FIXTURE_ROWS: Record<'static' | 'dynamic', readonly FixtureRow[]> = {
  // 640x640 input. Person A and a heavily overlapping person B (suppressed by NMS); a bus overlapping A (other
  // class, kept); a dog across the left border; a row under the confidence threshold; a row with low objectness.
  static: [
    { cx: 320, cy: 320, w: 200, h: 300, objectness: 0.9, classIndex: 0, classScore: 0.95 },
    { cx: 330, cy: 325, w: 200, h: 300, objectness: 0.85, classIndex: 0, classScore: 0.9 },
    { cx: 340, cy: 330, w: 220, h: 280, objectness: 0.8, classIndex: 5, classScore: 0.8 },
    { cx: 10, cy: 400, w: 60, h: 40, objectness: 0.7, classIndex: 16, classScore: 0.9 },
    { cx: 500, cy: 500, w: 40, h: 40, objectness: 0.5, classIndex: 2, classScore: 0.4 },
    { cx: 200, cy: 200, w: 40, h: 40, objectness: 0.2, classIndex: 3, classScore: 0.99 },
  ],
  // Dynamic H/W: the table is the same whatever the input size; boxes sit in the top-left 480x480.
  dynamic: [
    { cx: 240, cy: 240, w: 160, h: 200, objectness: 0.95, classIndex: 0, classScore: 0.9 },
    { cx: 460, cy: 20, w: 60, h: 60, objectness: 0.9, classIndex: 2, classScore: 0.8 },
  ],
};

export const MODEL_NAMES = ['yolov5s', 'yolov5m', 'yolov5l'] as const;

/** Writes yolov5s/m/l fixtures into `dir`: static 640x640 by default, or with dynamic height/width. */
export function writeFixtureModels(dir: string, kind: 'static' | 'dynamic' = 'static', names: readonly string[] = MODEL_NAMES): string {
  mkdirSync(dir, { recursive: true });
  const bytes = makeFixedOutputModel({ rows: FIXTURE_ROWS[kind], input: kind === 'dynamic' ? 'dynamic' : undefined });
  for (const name of names) writeFileSync(join(dir, `${name}.onnx`), bytes);
  return dir;
}
