/**
 * The bytes of `view` as an ArrayBuffer that can be transferred to a worker thread: its own buffer when the view spans
 * all of it (large request bodies do), otherwise a copy (small Buffers share Node's pool with other data).
 */
export function ownedArrayBuffer(view: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = view;
  if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) return buffer;
  return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
}
