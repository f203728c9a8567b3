import type { InputSize } from './letterbox';
import type { Detection } from './scale-boxes';

/** What one detection takes and gives, shared by the HTTP side and the threads that run models. */
export interface DetectOptions {
  confidenceThreshold: number;
  iouThreshold: number;
  maxDetections: number;
  /** Class names to keep, or null for all. */
  classes: readonly string[] | null;
  /** Sub-pixel boxes (see toDetection) instead of the seed's truncated integers. */
  floatBoxes?: boolean;
  /** Longest side of the model input for dynamic-shape models (a per-request INFERENCE_SIZE); fixed-shape models ignore it. */
  inputSize?: number;
}

/** AutoShape's defaults: confidence 0.25, IoU 0.45, at most 1000 boxes, every class, integer boxes. */
export const DEFAULT_DETECT_OPTIONS: Readonly<DetectOptions> = Object.freeze({
  confidenceThreshold: 0.25,
  iouThreshold: 0.45,
  maxDetections: 1000,
  classes: null,
  floatBoxes: false,
});

/** Milliseconds spent in each stage of one detection. */
export interface StageTimings {
  decode: number;
  preprocess: number;
  inference: number;
  postprocess: number;
}

export interface DetectionOutcome {
  detections: Detection[];
  image: InputSize;
  /** The tensor size the model ran at (a stride-multiple rectangle for dynamic models). */
  input: InputSize;
  timings: StageTimings;
}

/** AutoShape's inference size: the longest image side is letterboxed to this many pixels. */
export const DEFAULT_INFERENCE_SIZE = 640;
