import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CORPUS_DIR } from './paths';

/** Every image of ../shared/corpus (photos, odd, bad), as paths relative to it. */
export function corpusFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
  return walk(CORPUS_DIR)
    .map((file) => relative(CORPUS_DIR, file))
    .filter((file) => file !== 'MANIFEST.md')
    .sort();
}

export const corpusBytes = (file: string) => readFileSync(join(CORPUS_DIR, file));

export interface Answer {
  status: number;
  body: { statusCode?: number; detail?: unknown; detections?: unknown[] } | null;
  headers: Headers;
}

/** POST /predict with the seed's JSON body (base64 image) plus optional fields. */
export async function predictJson(url: string, image: Uint8Array, fields: Record<string, unknown> = { model: 'yolov5s' }, signal?: AbortSignal): Promise<Answer> {
  const response = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...fields, image: Buffer.from(image).toString('base64') }),
    signal,
  });
  return answerOf(response);
}

/** POST /predict as multipart/form-data with the image as a file field. */
export async function predictMultipart(url: string, image: Uint8Array, fields: Record<string, string> = { model: 'yolov5s' }, signal?: AbortSignal): Promise<Answer> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('image', new Blob([new Uint8Array(image)]), 'upload.bin');
  return answerOf(await fetch(`${url}/predict`, { method: 'POST', body: form, signal }));
}

export async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: Answer['body'] = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, body, headers: response.headers };
}

/** The samples of one metric in a Prometheus text exposition whose labels include `labels`. */
function samples(text: string, name: string, labels: Record<string, string>): number[] {
  const values: number[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) values.push(Number(match[3]));
  }
  return values;
}

/** The first matching sample, e.g. `metric(text, 'http_requests_total', { route: '/predict' })`. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(text, name, labels)[0];
}

/** The sum of all matching samples (e.g. over every model label). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return samples(text, name, labels).reduce((sum, value) => sum + value, 0);
}

export async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** The service's resident memory, as its own process metrics report it. */
export async function residentBytes(url: string): Promise<number> {
  return metric(await scrape(url), 'process_resident_memory_bytes')!;
}

/** A truncated, bit-flipped, header-scrambled or spliced copy of one of `seeds` (small valid images), drawn from `random`. */
export function mutatedImage(random: () => number, seeds: readonly { file: string; bytes: Buffer }[]): { name: string; bytes: Buffer } {
  const integer = (below: number) => Math.floor(random() * below);
  const { file, bytes: original } = seeds[integer(seeds.length)];
  const bytes = Buffer.from(original);
  switch (integer(4)) {
    case 0: {
      const length = integer(bytes.length);
      return { name: `${file} truncated to ${length} B`, bytes: bytes.subarray(0, length) };
    }
    case 1: {
      const flips = 1 + integer(16);
      for (let i = 0; i < flips; i++) bytes[integer(bytes.length)] ^= 1 << integer(8);
      return { name: `${file} with ${flips} bit flips`, bytes };
    }
    case 2: {
      // The header region holds the dimensions: scrambling it makes bombs, zero sizes and impossible geometry.
      for (let i = 0; i < 8; i++) bytes[integer(Math.min(64, bytes.length))] = integer(256);
      return { name: `${file} with a scrambled header`, bytes };
    }
    default: {
      const at = integer(bytes.length);
      const junk = Buffer.from(Array.from({ length: 1 + integer(512) }, () => integer(256)));
      return { name: `${file} with ${junk.length} random bytes spliced at ${at}`, bytes: Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]) };
    }
  }
}

/** Runs `task` over `items` with at most `concurrency` at a time; results keep the items' order. */
export async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  });
  await Promise.all(runners);
  return results;
}

/** Polls `check` until it returns true (or throws after the timeout). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An uncompressed 24-bit BMP: decoded by jimp in pure JS at ~20 ns a pixel, so a large one keeps a worker busy. */
export function bmpImage(width: number, height: number): Buffer {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + rowBytes * height;
  const bytes = Buffer.alloc(size);
  bytes.write('BM', 0, 'latin1');
  bytes.writeUInt32LE(size, 2);
  bytes.writeUInt32LE(54, 10);
  bytes.writeUInt32LE(40, 14);
  bytes.writeInt32LE(width, 18);
  bytes.writeInt32LE(height, 22);
  bytes.writeUInt16LE(1, 26);
  bytes.writeUInt16LE(24, 28);
  bytes.writeUInt32LE(rowBytes * height, 34);
  for (let i = 54; i < size; i++) bytes[i] = (i * 7) & 0xff;
  return bytes;
}

