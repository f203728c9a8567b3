import { Bitmap, bilinearTaps, LETTERBOX_PAD_VALUE, LetterboxGeometry } from './letterbox';
import { LETTERBOX_WASM_BASE64 } from './letterbox-wasm.generated';

/**
 * The letterbox's pixels: resize, pad and normalise into the model's planar RGB input, bit for bit as AutoShape's
 * cv2.resize INTER_LINEAR on uint8 then `/ 255` does. The resize runs as WebAssembly SIMD (../assembly/letterbox.ts;
 * why, in docs/architecture.md); the geometry and the taps come from letterbox.ts.
 */

/** ../assembly/letterbox.ts's exports: pointers are byte offsets into `memory`. */
interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  resize(
    source: number,
    sourceWidth: number,
    channels: number,
    columnOffsets: number,
    columnWeights: number,
    width: number,
    rowTaps: number,
    height: number,
    sumsA: number,
    sumsB: number,
    target: number,
    inputWidth: number,
    padTop: number,
    padLeft: number,
    planeBytes: number,
  ): void;
}

/** Node's WebAssembly API: its TypeScript types come with the DOM library, which this project does not load. */
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: unknown } };
};
let compiled: object | undefined;
const PAGE_BYTES = 65_536;
/** Bytes per output column in the kernel's tables: i16x8 weights, i32x4 sums. */
const LANES_BYTES = 16;
/** The horizontal pass reads 8 bytes from a column's left pixel: the source carries them past its end. */
const SOURCE_TAIL_BYTES = 16;
/** Source rows are copied into the kernel's memory a band at a time, about this many bytes at most. */
export const DEFAULT_SOURCE_BAND_BYTES = 4 * 1024 * 1024;

const align = (bytes: number) => Math.ceil(bytes / LANES_BYTES) * LANES_BYTES;

/**
 * Writes letterboxed tensors into its own WebAssembly memory, reused from call to call (one per detector). Its caller
 * must not letterbox again while ONNX Runtime still reads the last tensor: YoloDetector takes turns.
 */
export class LetterboxKernel {
  private readonly kernel: KernelExports;

  constructor(private readonly sourceBandBytes = DEFAULT_SOURCE_BAND_BYTES) {
    compiled ??= new wasm.Module(Buffer.from(LETTERBOX_WASM_BASE64, 'base64'));
    this.kernel = new wasm.Instance(compiled).exports as KernelExports;
  }

  /** The letterboxed tensor, a view into this kernel's memory: overwritten by its next call, or detached if that grows it. */
  letterbox(bitmap: Bitmap, geometry: LetterboxGeometry): Float32Array {
    const { input, resized } = geometry;
    const tensorBytes = 12 * input.height * input.width;
    if (bitmap.width === resized.width && bitmap.height === resized.height) {
      this.reserve(tensorBytes);
      return copyToPlanes(bitmap, geometry, this.tensor(tensorBytes));
    }
    this.resizeInBands(bitmap, geometry, tensorBytes);
    return fillPadding(this.tensor(tensorBytes), geometry);
  }

  private tensor(bytes: number) {
    return new Float32Array(this.kernel.memory.buffer, 0, bytes / 4);
  }

  private reserve(bytes: number) {
    const { memory } = this.kernel;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
  }

  private resizeInBands(bitmap: Bitmap, { input, resized, padTop, padLeft }: LetterboxGeometry, tensorBytes: number) {
    const { width, height, channels, data } = bitmap;
    const stride = width * channels;
    const columns = bilinearTaps(width, resized.width, true);
    const rows = bilinearTaps(height, resized.height, false);
    const clampRow = (row: number) => Math.min(Math.max(row, 0), height - 1);
    const upper = rows.index.map(clampRow);
    const lower = rows.index.map((row) => clampRow(row + 1));
    const bands = sourceBands(upper, lower, stride, this.sourceBandBytes);
    const largestBand = Math.max(...bands.map(({ rows }) => rows.length * stride));
    // Layout: tensor, column offsets (i32), column weights (i16x8), two rows of sums (i32x4), row taps (i32 × 4), source.
    const columnOffsets = align(tensorBytes);
    const columnWeights = columnOffsets + align(4 * resized.width);
    const sumsA = columnWeights + LANES_BYTES * resized.width;
    const sumsB = sumsA + LANES_BYTES * resized.width;
    const rowTaps = sumsB + LANES_BYTES * resized.width;
    const source = rowTaps + LANES_BYTES * resized.height;
    this.reserve(source + largestBand + SOURCE_TAIL_BYTES);
    const { buffer } = this.kernel.memory;
    const offsets = new Int32Array(buffer, columnOffsets, resized.width);
    const weights = new Int16Array(buffer, columnWeights, 8 * resized.width).fill(0);
    for (let x = 0; x < resized.width; x++) {
      offsets[x] = columns.index[x] * channels;
      for (let lane = 0; lane < 6; lane += 2) {
        weights[8 * x + lane] = columns.near[x];
        weights[8 * x + lane + 1] = columns.far[x];
      }
    }
    const taps = new Int32Array(buffer, rowTaps, 4 * resized.height);
    const bytes = new Uint8Array(buffer);
    for (const { start, end, rows: sourceRows } of bands) {
      // Only the rows the band reads, one after another: a large reduction skips most of the picture.
      sourceRows.forEach((row, index) => bytes.set(data.subarray(row * stride, (row + 1) * stride), source + index * stride));
      for (let y = start, index = 0, tap = 0; y < end; y++, tap += 4) {
        while (sourceRows[index] < upper[y]) index++;
        taps[tap] = index;
        taps[tap + 1] = lower[y] === upper[y] ? index : index + 1;
        taps[tap + 2] = rows.near[y];
        taps[tap + 3] = rows.far[y];
      }
      this.kernel.resize(source, width, channels, columnOffsets, columnWeights, resized.width, rowTaps, end - start, sumsA, sumsB, 0, input.width, padTop + start, padLeft, tensorBytes / 3);
    }
  }
}

/**
 * Output rows [start, end) grouped with the source rows they read (`rows`, ascending, each once), so that these take
 * about `bandBytes` at most (at least one output row a band): a huge picture is never copied whole into the kernel's
 * memory. `upper` and `lower` are each output row's two source rows (lower ≥ upper, both ascending, lower at most one
 * past upper).
 */
export function sourceBands(upper: ArrayLike<number>, lower: ArrayLike<number>, stride: number, bandBytes: number) {
  const bands: { start: number; end: number; rows: number[] }[] = [];
  let band: (typeof bands)[number] | undefined;
  for (let y = 0; y < upper.length; y++) {
    const rows = lower[y] === upper[y] ? [upper[y]] : [upper[y], lower[y]];
    const adds = rows.filter((row) => row > (band?.rows.at(-1) ?? -1));
    if (!band || (band.rows.length + adds.length) * stride > bandBytes) {
      band = { start: y, end: y, rows };
      bands.push(band);
    } else {
      band.rows.push(...adds);
    }
    band.end = y + 1;
  }
  return bands;
}

let shared: LetterboxKernel | undefined;

/**
 * Letterboxes into `target` (planar RGB floats, length 3 × input height × input width), through this thread's shared
 * kernel: for callers that keep their own buffer (calibration, parity checks). The runners' detectors own a kernel
 * each and skip this copy.
 */
export function letterboxToTensor(bitmap: Bitmap, geometry: LetterboxGeometry, target: Float32Array): Float32Array {
  const { input } = geometry;
  if (target.length < 3 * input.height * input.width) throw new RangeError(`letterbox target holds ${target.length} floats, needs ${3 * input.height * input.width}`);
  shared ??= new LetterboxKernel();
  target.set(shared.letterbox(bitmap, geometry));
  return target;
}

/**
 * Byte value → its 0..1 float, as float32 division `/ 255` gives it (the kernel divides; a spec keeps them equal), so
 * copying a resampled bitmap looks up instead of dividing.
 */
const UNIT_SCALE = Float32Array.from({ length: 256 }, (_, value) => value / 255);

/** The bitmap is already the resized image (the decoder resampled it): only conversion to planar floats is left. */
function copyToPlanes({ data, channels }: Bitmap, geometry: LetterboxGeometry, target: Float32Array) {
  const { input, resized, padTop, padLeft } = geometry;
  const plane = input.height * input.width;
  for (let y = 0, source = 0; y < resized.height; y++) {
    const out = (y + padTop) * input.width + padLeft;
    for (let x = out; x < out + resized.width; x++, source += channels) {
      target[x] = UNIT_SCALE[data[source]];
      target[plane + x] = UNIT_SCALE[data[source + 1]];
      target[2 * plane + x] = UNIT_SCALE[data[source + 2]];
    }
  }
  return fillPadding(target, geometry);
}

/** Grey 114 everywhere outside the resized image: the rows above and below it, and the columns beside it. */
function fillPadding(target: Float32Array, { input, resized, padTop, padLeft }: LetterboxGeometry) {
  const pad = LETTERBOX_PAD_VALUE / 255;
  const plane = input.height * input.width;
  const imageEnd = (padTop + resized.height) * input.width;
  const rightPad = input.width - padLeft - resized.width;
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    target.fill(pad, base, base + padTop * input.width);
    target.fill(pad, base + imageEnd, base + plane);
    if (padLeft === 0 && rightPad === 0) continue;
    for (let y = padTop; y < padTop + resized.height; y++) {
      const row = base + y * input.width;
      target.fill(pad, row, row + padLeft);
      target.fill(pad, row + padLeft + resized.width, row + input.width);
    }
  }
  return target;
}
