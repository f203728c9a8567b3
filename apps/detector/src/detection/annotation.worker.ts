import { annotateImage } from '@app/vision/imaging';
import { ImageError } from '@app/vision';
import type { AnnotateTask, AnnotateTaskResult } from './annotation-protocol';

/**
 * The annotation worker thread: decodes the image, draws the boxes and encodes the result (all CPU-bound jimp work)
 * away from the event loop. Imports only the drawing code, not ONNX Runtime.
 */
export default async function annotate(task: AnnotateTask): Promise<AnnotateTaskResult> {
  try {
    return { ok: true, annotated: await annotateImage(new Uint8Array(task.image), task.detections, task.options) };
  } catch (error) {
    // Error classes do not survive the thread boundary: image problems travel as data and are rebuilt on the main thread.
    if (error instanceof ImageError) return { ok: false, imageKind: error.kind, message: error.message };
    throw error;
  }
}
