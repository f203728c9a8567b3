import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { DownloadProgress, formatBytes } from './download-progress';
import { httpGetFollowingRedirects } from './http-download';
import {
  checkpointDownloadUrl,
  DEFAULT_MODELS_BASE_URL,
  downloadFileName,
  isUltralyticsCheckpoint,
  modelDownloadUrl,
  onnxExportCommand,
  ULTRALYTICS_ASSETS_BASE_URL,
} from './official-models';

export interface FetchModelOptions {
  name: string;
  /** Where `<name>.onnx` is downloaded from; defaults to the official YOLOv5 v7.0 release. */
  baseUrl?: string;
  /** Where an Ultralytics checkpoint `<name>.pt` (YOLOv8, YOLO11) is downloaded from; defaults to their assets release. */
  checkpointBaseUrl?: string;
  modelsDir: string;
  /** Download even when the file is already there (it is replaced only once the new one is verified). */
  force?: boolean;
  /**
   * Check the download before keeping it (default true): an ONNX model is opened with ONNX Runtime and its contract
   * checked; a checkpoint must be a PyTorch zip archive.
   */
  verify?: boolean;
  onProgress?: (received: number, total: number | undefined) => void;
  signal?: AbortSignal;
}

export interface FetchModelResult {
  name: string;
  /** Absolute path of `<modelsDir>/<name>.onnx`. */
  file: string;
  status: 'fetched' | 'present';
  bytes: number;
  /** For an Ultralytics checkpoint: the command that exports it to the `<name>.onnx` the service serves. */
  exportCommand?: string;
}

/** unreachable: no connection; request: other failure before a response; then HTTP status, short body, bad model. */
export type ModelFetchFailureReason = 'unreachable' | 'request' | 'http' | 'truncated' | 'invalid-model';

export class ModelFetchError extends Error {
  constructor(
    message: string,
    readonly reason: ModelFetchFailureReason,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelFetchError';
  }
}

/** Error codes (on the error or in its `cause` chain) that mean the host could not be reached at all. */
const UNREACHABLE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Downloads `<baseUrl>/<name>.onnx` into `<modelsDir>/<name>.onnx` (an Ultralytics checkpoint: `<name>.pt` from
 * `checkpointBaseUrl`). The body streams into a temporary file beside the target, is checked against
 * Content-Length and (unless `verify: false`) checked as a model, and only then renamed into place, so the models
 * directory never holds a partial or unusable file.
 */
export async function fetchModel(options: FetchModelOptions): Promise<FetchModelResult> {
  const { name, modelsDir, force = false, verify = true, onProgress, signal } = options;
  if (!/^[\w][\w.-]*$/.test(name)) throw new Error(`"${name}" is not a valid model name`);
  const checkpoint = isUltralyticsCheckpoint(name);
  const url = checkpoint
    ? checkpointDownloadUrl(name, options.checkpointBaseUrl ?? ULTRALYTICS_ASSETS_BASE_URL)
    : modelDownloadUrl(name, options.baseUrl ?? DEFAULT_MODELS_BASE_URL);
  const file = resolve(modelsDir, downloadFileName(name));
  const exportCommand = checkpoint ? { exportCommand: onnxExportCommand(file) } : {};

  if (!force) {
    const existing = await stat(file).catch(() => undefined);
    if (existing?.isFile()) return { name, file, status: 'present', bytes: existing.size, ...exportCommand };
  }

  await mkdir(dirname(file), { recursive: true });
  const partFile = `${file}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const bytes = await download({ name, url, file, partFile, onProgress, signal });
    if (verify) await (checkpoint ? verifyCheckpoint : verifyModel)(name, url, partFile);
    await rename(partFile, file);
    return { name, file, status: 'fetched', bytes, ...exportCommand };
  } finally {
    // After a successful rename this is a no-op; on any failure it removes the partial download.
    await rm(partFile, { force: true });
  }
}

interface DownloadJob {
  name: string;
  url: string;
  file: string;
  partFile: string;
  onProgress?: FetchModelOptions['onProgress'];
  signal?: AbortSignal;
}

async function download({ name, url, file, partFile, onProgress, signal }: DownloadJob): Promise<number> {
  let response: IncomingMessage;
  try {
    // identity: a compressed transfer would make Content-Length count other bytes than the ones we write.
    response = await httpGetFollowingRedirects(url, { signal, headers: { 'accept-encoding': 'identity' } });
  } catch (error) {
    throw signal?.aborted ? signal.reason : describeRequestFailure(error, name, url, file);
  }
  const statusCode = response.statusCode ?? 0;
  if (statusCode < 200 || statusCode >= 300) {
    response.resume();
    const status = `${statusCode} ${response.statusMessage ?? ''}`.trim();
    throw new ModelFetchError(`Downloading ${name} failed: ${url} answered HTTP ${status}`, 'http', url);
  }

  const header = response.headers['content-length'];
  const total = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
  let received = 0;
  const incomplete = (detail: string, cause?: unknown) =>
    new ModelFetchError(
      `Download of ${name} from ${url} is incomplete: ${detail}; nothing was saved, run the fetch again`,
      'truncated',
      url,
      { cause },
    );
  try {
    await pipeline(
      response,
      async function* countBytes(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          received += chunk.length;
          onProgress?.(received, total);
          yield chunk;
        }
      },
      createWriteStream(partFile, { flags: 'wx' }),
      { signal },
    );
  } catch (error) {
    // An abort (the socket's reset is its symptom) and disk errors (they carry a syscall) are not the download's fault.
    if (signal?.aborted) throw signal.reason;
    if ((error as NodeJS.ErrnoException).syscall) throw error;
    const of = total === undefined ? '' : ` of ${total}`;
    throw incomplete(`the connection broke after ${received}${of} bytes (${describeCause(error)})`, error);
  }
  if (total !== undefined && received !== total) {
    throw incomplete(`received ${received} of ${total} bytes announced by Content-Length`);
  }
  return received;
}

async function verifyModel(name: string, url: string, partFile: string): Promise<void> {
  // Loaded on first use, not on import: the service's HTTP thread imports the store, and ONNX Runtime, sharp and jimp
  // (megabytes of its heap, which every garbage collection walks) belong in the runner threads. A relative path, since
  // the build rewrites the '@app/' aliases of static imports only.
  const { loadYoloModel } = await import('../../vision/src/runtime');
  let loaded: Awaited<ReturnType<typeof loadYoloModel>>;
  try {
    loaded = await loadYoloModel(partFile);
  } catch (error) {
    throw new ModelFetchError(
      `${url} did not give a usable ${name} model, so it was not saved: ${(error as Error).message}`,
      'invalid-model',
      url,
      { cause: error },
    );
  }
  await loaded.session.release();
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** PyTorch has saved checkpoints as zip archives since 1.6; anything else (an HTML error page, say) is refused. */
async function verifyCheckpoint(name: string, url: string, partFile: string): Promise<void> {
  const handle = await open(partFile, 'r');
  const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0).finally(() => handle.close());
  if (bytesRead < 4 || !buffer.equals(ZIP_MAGIC)) {
    throw new ModelFetchError(`${url} did not give a PyTorch checkpoint for ${name} (not a zip archive), so it was not saved`, 'invalid-model', url);
  }
}

function describeRequestFailure(error: unknown, name: string, url: string, file: string): ModelFetchError {
  const code = findErrorCode(error);
  const mirror = isUltralyticsCheckpoint(name)
    ? `then export it with \`${onnxExportCommand(file)}\`; `
    : `or set MODELS_BASE_URL (--base-url) to a mirror that serves ${basename(file)}; `;
  const byHand =
    `To get it by hand: download ${url} on a machine that can reach it and save it as ${file}; ` +
    mirror +
    'or run `npm run models:generate` for random-weight stand-ins (benchmarks only: they detect nothing).';
  if (code && UNREACHABLE_CODES.has(code)) {
    return new ModelFetchError(
      `Cannot download ${name}: the network or host is unreachable (${code} for ${url}). ${byHand}`,
      'unreachable',
      url,
      { cause: error },
    );
  }
  return new ModelFetchError(`Cannot download ${name} from ${url}: ${describeCause(error)}. ${byHand}`, 'request', url, {
    cause: error,
  });
}

/** The error and its `cause` chain, read by shape (errors may come from another realm than `Error`, e.g. under jest). */
interface ErrorLike {
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
}
function* causeChain(error: unknown): Generator<ErrorLike> {
  for (let current = error; typeof current === 'object' && current !== null; current = (current as ErrorLike).cause) {
    yield current as ErrorLike;
  }
}

/** The first error code in the chain; a connection tried on several addresses fails with an AggregateError. */
function findErrorCode(error: unknown): string | undefined {
  for (const current of causeChain(error)) {
    if (typeof current.code === 'string' && current.code !== '') return current.code;
    if (Array.isArray(current.errors)) {
      const inner = current.errors.map(findErrorCode).find((found) => found !== undefined);
      if (inner) return inner;
    }
  }
  return undefined;
}

function describeCause(error: unknown): string {
  const messages = [...causeChain(error)].map((current) => current.message).filter((message) => typeof message === 'string' && message);
  return messages.join(': ') || String(error);
}

export interface FetchModelsOptions extends Omit<FetchModelOptions, 'name' | 'onProgress'> {
  names: readonly string[];
  /** Called once per model that is actually downloaded; the display is stopped when that download ends. */
  createProgress?: (name: string) => DownloadProgress;
}

export type ModelFetchOutcome =
  | FetchModelResult
  | { name: string; file: string; status: 'failed'; message: string; error: unknown };

/**
 * Fetches each model that is not in the directory yet, one after the other. One model's failure is reported
 * in its outcome and does not stop the others; only an abort through `signal` rejects.
 */
export async function fetchMissingModels(options: FetchModelsOptions): Promise<ModelFetchOutcome[]> {
  const { names, createProgress, ...shared } = options;
  const outcomes: ModelFetchOutcome[] = [];
  for (const name of names) {
    let progress: DownloadProgress | undefined;
    try {
      outcomes.push(
        await fetchModel({
          ...shared,
          name,
          onProgress: (received, total) => {
            progress ??= createProgress?.(name);
            progress?.update(received, total);
          },
        }),
      );
    } catch (error) {
      if (shared.signal?.aborted) throw error;
      const file = resolve(shared.modelsDir, downloadFileName(name));
      outcomes.push({ name, file, status: 'failed', message: (error as Error).message, error });
    } finally {
      progress?.stop();
    }
  }
  return outcomes;
}

/** One line per model plus a count, for the CLI and the service's start-up log. */
export function formatFetchSummary(outcomes: readonly ModelFetchOutcome[]): string {
  const lines = outcomes.map((outcome) => {
    if (outcome.status === 'failed') return `  ✗ ${outcome.name}: ${outcome.message}`;
    const what = outcome.status === 'fetched' ? 'downloaded' : 'already present';
    const line = `  ✓ ${outcome.name}: ${what}, ${outcome.file} (${formatBytes(outcome.bytes)})`;
    if (!outcome.exportCommand) return line;
    return `${line}\n    a PyTorch checkpoint: export it to ONNX (pip install ultralytics) with \`${outcome.exportCommand}\`; the service serves the .onnx written beside it`;
  });
  const failed = outcomes.filter((outcome) => outcome.status === 'failed').length;
  const verdict = failed === 0 ? `${outcomes.length} of ${outcomes.length} models ready` : `${failed} of ${outcomes.length} models failed`;
  return [...lines, verdict].join('\n');
}
