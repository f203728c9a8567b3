import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { OnnxGraphBuilder } from './graph-builder';

/**
 * Writes the model (a builder's chunks, or serialised bytes) to `path` atomically: chunks are streamed into a
 * temporary file beside the target, which is then renamed over it, so readers never see a half-written model.
 * Returns the size in bytes.
 */
export function writeOnnxFileAtomic(path: string, model: OnnxGraphBuilder | Uint8Array): number {
  const temporaryPath = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  let bytes = 0;
  const fd = openSync(temporaryPath, 'w');
  try {
    for (const chunk of model instanceof Uint8Array ? [model] : model.chunks()) {
      for (let offset = 0; offset < chunk.byteLength; ) offset += writeSync(fd, chunk, offset);
      bytes += chunk.byteLength;
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporaryPath, path);
  } catch (error) {
    try { closeSync(fd); } catch { /* already closed */ }
    rmSync(temporaryPath, { force: true });
    throw error;
  }
  return bytes;
}
