import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OFFICIAL_MODEL_NAMES } from '@app/model-store';
import { FIXTURE_ROWS, makeFixedOutputModel } from '@app/onnx-writer';

/**
 * Writes the e2e fixture models into `dir`: yolov5s/m/l files whose output is FIXTURE_ROWS, so the expected
 * detections of any image follow from letterbox geometry alone. Static 640x640 by default, or dynamic height/width.
 */
export function writeFixtureModels(dir: string, kind: 'static' | 'dynamic' = 'static', names: readonly string[] = OFFICIAL_MODEL_NAMES): string {
  mkdirSync(dir, { recursive: true });
  const bytes = makeFixedOutputModel({ rows: FIXTURE_ROWS[kind], input: kind === 'dynamic' ? 'dynamic' : undefined });
  for (const name of names) writeFileSync(join(dir, `${name}.onnx`), bytes);
  return dir;
}
