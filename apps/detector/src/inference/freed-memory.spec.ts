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
    // Freeing one mmapped 2 MB block raises glibc's mmap threshold, as loading a model does: chunks this size then
    // come from the heap, and freed ones stay there.
    free(memset(malloc(4 * chunk), 1, 4 * chunk));
    // Pairs of neighbours: the first of each is written (resident) and freed; the second stays allocated between them,
    // so the freed chunks neither merge into one nor reach the top of the heap, where free() itself would trim them.
    const pairs = Array.from({ length: 120 }, () => {
      const freed = malloc(chunk);
      memset(freed, 1, chunk);
      return { freed, kept: malloc(chunk) };
    });
    for (const { freed } of pairs) free(freed);
    const before = residentBytes();

    expect(releaseFreedMemory()).toBe(true);

    const released = before - residentBytes();
    for (const { kept } of pairs) free(kept);
    expect(released).toBeGreaterThan(60 * chunk);
  });
});
