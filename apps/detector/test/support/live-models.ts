import { writeFixtureModels } from './fixture-models';
import { realModelsFolder } from './real-models';

export interface LiveModels {
  /** MODELS_DIR for startService. */
  dir: string;
  /** The served name of the real dynamic yolov5n: frames take real time and find real objects. */
  real: string;
  /** The served name of a fixture whose boxes differ from the real model's, which makes a model switch visible. */
  fixture: string;
}

/** A models folder for the live-stream tests: the real dynamic yolov5n under its own name and a fixture `yolov5m`. */
export function liveModels(): LiveModels {
  const { dir, served, missing } = realModelsFolder('live', ['cocoDynamic']);
  if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: the live tests need ../shared beside the repository.`);
  const fixture = 'yolov5m';
  writeFixtureModels(dir, 'static', [fixture]);
  return { dir, real: served.cocoDynamic!, fixture };
}
