import koffi from 'koffi';

/** glibc's malloc_trim, bound on first use; null where the C library has none (musl, macOS). */
let mallocTrim: ((pad: number) => number) | null | undefined;

function bindMallocTrim(): ((pad: number) => number) | null {
  try {
    return koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number;
  } catch {
    return null;
  }
}

/**
 * Hands the memory freed inside the C heap back to the system (glibc's malloc_trim): loading a model frees its parsed
 * file and unordered weights in chunks glibc would keep for reuse. Called after each load or unload, never per
 * request. Returns whether it could (false where the C library is not glibc).
 */
export function releaseFreedMemory(): boolean {
  mallocTrim ??= bindMallocTrim();
  if (!mallocTrim) return false;
  mallocTrim(0);
  return true;
}
