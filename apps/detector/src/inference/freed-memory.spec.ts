import { readFileSync } from 'node:fs';
import koffi from 'koffi';
import { releaseFreedMemory } from './freed-memory';

const residentBytes = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;

describe('releaseFreedMemory', () => {
  it('gives memory freed in the middle of the C heap back to the system', () => {
    const libc = koffi.load('libc.so.6');
    const malloc = libc.func('void *malloc(size_t size)');
    const free = libc.func('void free(void *ptr)');
    const memset = libc.func('void *memset(void *s, int c, size_t n)');
    const chunk = 512 * 1024;
    // Freeing one mmapped 1 MB block raises glibc's mmap threshold, as loading a model does: chunks this size then
    // come from the heap, and freed ones stay there.
    free(memset(malloc(2 * chunk), 1, 2 * chunk));
    const chunks = Array.from({ length: 200 }, () => {
      const block = malloc(chunk);
      memset(block, 1, chunk);
      return { block, pin: malloc(64) }; // a live neighbour, so the freed chunk is not at the top of the heap
    });
    for (const { block } of chunks) free(block);
    const before = residentBytes();

    expect(releaseFreedMemory()).toBe(true);

    const released = before - residentBytes();
    for (const { pin } of chunks) free(pin);
    expect(released).toBeGreaterThan(60 * chunk);
  });
});
