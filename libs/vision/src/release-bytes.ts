/**
 * Gives the memory behind `bytes` back now rather than at the thread's next garbage collection (an idle runner thread
 * may not collect for hours): detaches its ArrayBuffer, so `bytes` and every other view of that buffer read as empty
 * afterwards. A view over part of a buffer (Node's pooled small Buffers) is left alone.
 */
export function releaseBytes(bytes: Uint8Array): void {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) buffer.transfer(0);
}
