import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFixtureModels } from './fixture-models';
import { E2E_TMP, REPO_ROOT } from './paths';

/** The real COCO yolov5n with dynamic height/width (../shared/models): the one real network the streams run here. */
export const REAL_YOLOV5N_DYNAMIC = resolve(REPO_ROOT, '../shared/models/yolov5n-dynamic.onnx');

/**
 * A models folder for the live-stream tests: the service serves only the names yolov5s/m/l (until the catalog
 * serves any file under its stem), so `yolov5s` is a link to the real dynamic yolov5n and `yolov5m` a fixture model
 * whose boxes differ, which makes a model switch visible.
 */
export function liveModelsDir(): string {
  if (!existsSync(REAL_YOLOV5N_DYNAMIC)) throw new Error(`${REAL_YOLOV5N_DYNAMIC} is missing: the live tests need ../shared beside the repository.`);
  const dir = join(E2E_TMP, 'models-live');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  symlinkSync(REAL_YOLOV5N_DYNAMIC, join(dir, 'yolov5s.onnx'));
  writeFixtureModels(dir, 'static', ['yolov5m']);
  return dir;
}
