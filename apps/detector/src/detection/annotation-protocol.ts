import type { AnnotatedImage, AnnotateOptions, Detection, ImageErrorKind } from '@app/vision';

/** Messages between the main thread and the annotation worker: plain data only. */
export interface AnnotateTask {
  /** The encoded image, transferred (not copied) to the worker. */
  image: ArrayBuffer;
  detections: Detection[];
  options: AnnotateOptions;
}

export type AnnotateTaskResult = { ok: true; annotated: AnnotatedImage } | { ok: false; imageKind: ImageErrorKind; message: string };
