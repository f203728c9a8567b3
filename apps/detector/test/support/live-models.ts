import { writeFixtureModels } from './fixture-models';
import { realModelsFolder } from './real-models';

/**
 * A models folder for the live-stream tests: the real dynamic yolov5n under the first served name (yolov5s, see
 * realModelsFolder) and a fixture `yolov5m` whose boxes differ, which makes a model switch visible.
 */
export function liveModelsDir(): string {
  const { dir, served, missing } = realModelsFolder('live', ['cocoDynamic']);
  if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: the live tests need ../shared beside the repository.`);
  if (served.cocoDynamic !== 'yolov5s') throw new Error(`the live tests expect the real yolov5n served as yolov5s, not ${served.cocoDynamic}`);
  writeFixtureModels(dir, 'static', ['yolov5m']);
  return dir;
}
