/**
 * Gives the memory behind `view` back now rather than at the thread's next garbage collection: detaches its
 * ArrayBuffer, so `view` and every other view of that buffer read as empty afterwards. Memory outside V8's heap that is
 * given back early also stops counting towards the collection it would force (an idle runner thread may not collect
 * for hours; a busy one collected its whole heap every few requests). A view over part of a buffer (Node's pooled
 * small Buffers) is left alone, and so is a buffer that cannot be detached.
 */
export function releaseBytes(view: ArrayBufferView): void {
  const { buffer } = view;
  if (!(buffer instanceof ArrayBuffer) || view.byteOffset !== 0 || view.byteLength !== buffer.byteLength) return;
  try {
    buffer.transfer(0);
  } catch {
    // Not detachable (WebAssembly memory): the collector frees it as before.
  }
}

/** A tensor as ONNX Runtime hands it back: its data, and its own `dispose` (which, for CPU data, only drops the reference). */
interface RunOutput {
  data: unknown;
  dispose(): void;
}

/**
 * Gives back the outputs of a `session.run`: onnxruntime-node copies each into a fresh buffer per run (6.4 MB at
 * 480x640 for a YOLOv5 head), which left to the collector forces collections of the whole heap every few runs.
 */
export function releaseOutputs(outputs: Record<string, RunOutput>): void {
  for (const output of Object.values(outputs)) {
    if (ArrayBuffer.isView(output.data)) releaseBytes(output.data);
    output.dispose();
  }
}
