// Bound once: the loops below run for every weight (46 M for yolov5l), and global lookups are slow in sandboxes
// such as jest's vm contexts.
const { imul } = Math;

/** mulberry32: a tiny, fast 32-bit PRNG, so generated weights are reproducible from a seed. Returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` values drawn uniformly from [-bound, bound). */
export function uniformArray(length: number, bound: number, random: () => number): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = (2 * random() - 1) * bound;
  return values;
}
