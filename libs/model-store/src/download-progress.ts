import { Format, Presets, SingleBar } from 'cli-progress';

/** Receives a download's byte counts; `stop` ends the display (call it whether the download worked or not). */
export interface DownloadProgress {
  update(received: number, total: number | undefined): void;
  stop(): void;
}

export interface DownloadProgressOptions {
  /** Where to draw; defaults to stderr so stdout stays clean for results. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** When the stream is not a terminal (CI, Docker logs): one plain line this often instead of a redrawn bar. */
  logIntervalMs?: number;
}

const DEFAULT_LOG_INTERVAL_MS = 10_000;
/** Chunks arrive every 16–64 KB, so the ETA is averaged over many of them to keep it steady. */
const ETA_BUFFER_UPDATES = 200;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * A cli-progress bar showing bytes, percentage, speed and ETA. On a terminal it redraws in place; elsewhere
 * cli-progress's no-TTY mode prints an occasional plain line (without the bar), so logs stay readable.
 */
export function createDownloadProgress(label: string, options: DownloadProgressOptions = {}): DownloadProgress {
  const stream = options.stream ?? process.stderr;
  const isTTY = stream.isTTY === true;
  const startedAt = Date.now();
  let bar: SingleBar | undefined;

  // Average speed since the start, worked out when a line is drawn, so a stalled download shows it slowing.
  const speed = (received: number) => `${formatBytes(Math.round(received / Math.max((Date.now() - startedAt) / 1000, 0.001)))}/s`;

  return {
    update(received, total) {
      if (bar) {
        bar.update(received);
        return;
      }
      // The format depends on whether the server announced a size, which is known only with the first bytes.
      const gauge = isTTY ? ' [{bar}]' : '';
      const template =
        total === undefined
          ? `${label} {value} | {speed}`
          : `${label}${gauge} {percentage}% | {value}/{total} | {speed} | ETA {eta_formatted}`;
      bar = new SingleBar(
        {
          stream,
          format: (barOptions, params, payload) =>
            Format.Formatter({ ...barOptions, format: template }, params, { ...payload, speed: speed(params.value) }),
          formatValue: (value, barOptions, type) =>
            type === 'value' || type === 'total' ? formatBytes(value) : Format.ValueFormat(value, barOptions, type),
          etaBuffer: ETA_BUFFER_UPDATES,
          noTTYOutput: true,
          notTTYSchedule: options.logIntervalMs ?? DEFAULT_LOG_INTERVAL_MS,
          // Off a terminal the last line is already complete; clearing avoids an empty line after it.
          clearOnComplete: !isTTY,
          hideCursor: isTTY,
        },
        Presets.shades_classic,
      );
      bar.start(total ?? 0, received);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
