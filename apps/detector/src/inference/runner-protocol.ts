import type { DetectionOutcome, DetectOptions, ImageErrorKind, ShapePolicy, ShapePolicyDecision } from '@app/vision';

/** Messages between the main thread and a model's runner threads. Only plain data crosses the thread boundary. */

/** What a runner thread is started with: the one model it serves. */
export interface RunnerWorkerData {
  name: string;
  file: string;
  /** The catalog's version of the file, echoed in load reports so that reports about an older file are ignored. */
  version: string | undefined;
  /** Load and warm up the model when the thread starts (otherwise on its first request). */
  eager: boolean;
  inferenceSize: number;
  intraOpThreads: number;
  shapePolicy: ShapePolicy;
  /** Shared by every runner of the process: one model load at a time (load-turn.ts). */
  loadTurn: Int32Array;
}

/** Posted by a runner (outside any task) when it has tried to load its model. */
export interface RunnerLoadReport {
  type: 'model-load';
  threadId: number;
  version: string | undefined;
  loadMs?: number;
  /** The shape policy the loaded session runs with. */
  shape?: ShapePolicyDecision;
  error?: string;
}

export interface DetectTask {
  /** The encoded image, transferred (not copied) to the runner. */
  image: ArrayBuffer;
  options: DetectOptions;
  /** Set to 1 by the main thread when nobody waits for the result any more (timeout, client gone). */
  cancel: Int32Array;
}

/** Asks a runner to release its session before its thread is stopped; it answers with its thread id. */
export interface ReleaseTask {
  release: true;
}

export type DetectTaskResult =
  | { ok: true; outcome: DetectionOutcome }
  | {
      ok: false;
      error: { kind: 'image'; imageKind: ImageErrorKind; message: string } | { kind: 'model'; message: string } | { kind: 'cancelled'; stage: string };
    };
