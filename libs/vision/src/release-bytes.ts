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
