/** An encoded image whose bytes are handed over to a runner thread: after the call the buffer is detached. */
export type TransferredImage = ArrayBuffer & { readonly __transferred: true };

/**
 * Marks `view`'s bytes as handed over to the inference path, which transfers them to another thread: its own buffer
 * when the view spans all of it (large request bodies do), otherwise a copy (small Buffers share Node's pool with
 * other data). Keep a copy first if the bytes are needed afterwards.
 */
export function transferImage(view: Uint8Array): TransferredImage {
  const { buffer, byteOffset, byteLength } = view;
  const owned = byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer ? buffer : buffer.slice(byteOffset, byteOffset + byteLength);
  return owned as TransferredImage;
}
