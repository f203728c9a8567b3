import { DetectionOutcome, DetectOptions, ImageErrorKind } from '@app/vision';

/** Messages between the main thread and the inference workers. Only plain data crosses the thread boundary. */

export interface ModelFile {
  name: string;
  file: string;
}

export interface InferenceWorkerData {
  models: ModelFile[];
  /** Load and warm up every model when the worker starts (otherwise on its first request). */
  eager: boolean;
  inferenceSize: number;
  intraOpThreads: number;
}

/** What a worker learned when it opened a model file. */
export interface ModelDescription {
  inputShape: (number | string)[];
  outputShape: (number | string)[];
  classNames: string[];
  stride: number;
  randomWeights: boolean;
  loadMs: number;
}

/** Posted by a worker (outside any task) whenever it has tried to load a model. */
export interface ModelLoadReport {
  type: 'model-load';
  threadId: number;
  name: string;
  description?: ModelDescription;
  error?: string;
}

export interface DetectTask {
  model: ModelFile;
  /** The encoded image, transferred (not copied) to the worker. */
  image: ArrayBuffer;
  options: DetectOptions;
  /** Set to 1 by the main thread when nobody waits for the result any more (timeout, client gone). */
  cancel: Int32Array;
}

export type DetectTaskResult =
  | { ok: true; outcome: DetectionOutcome }
  | {
      ok: false;
      error: { kind: 'image'; imageKind: ImageErrorKind; message: string } | { kind: 'model'; message: string } | { kind: 'cancelled'; stage: string };
    };
