import type { BenchModelName } from './bench-models';

/** When and how OLD_APP_HISTORICAL was measured: printed with the figures. */
export const OLD_APP_MEASURED = 'a run of its own before 2026-11-24';

/**
 * The system this service replaces (FastAPI + torch hub AutoShape, same architectures) measured on this 2-core
 * machine type in another run (OLD_APP_MEASURED): median of sequential POST /predict with bus.jpg as base64 JPEG,
 * requests/s with 4 concurrent clients, and a bare onnxruntime-node run at 640x640. Historical figures: these
 * machines swing 1.5x between runs (measured side by side on another day, the old app took 78 / 156 / 286 ms), so
 * the bench prints them for orientation only and never divides this run's figures by them.
 */
export const OLD_APP_HISTORICAL: Partial<Record<BenchModelName, { sequentialMs: number; requestsPerSecond: number; bareMs: number }>> = {
  yolov5s: { sequentialMs: 104, requestsPerSecond: 11.9, bareMs: 80 },
  yolov5m: { sequentialMs: 261, requestsPerSecond: 3.9, bareMs: 180 },
  yolov5l: { sequentialMs: 491, requestsPerSecond: 2.3, bareMs: 355 },
};

/** Limits of the checks whose two sides are measured in the same bench run. */
export const SAME_RUN_LIMITS = {
  /** 10.8 MP photo: end-to-end p50 at most this many times the bare run at the same input shape. */
  largePhotoVsBare: 1.5,
  /** End-to-end p50 at most this many times the bare run at the same input shape. */
  endToEndVsBare: 1.25,
  /** The same for yolov5n, whose ~35 ms inference leaves less room for decoding, the letterbox and HTTP (issue 19). */
  nanoEndToEndVsBare: 1.6,
  /** GET /health p99 during the 4-client load, milliseconds: the event loop stays responsive. */
  healthP99Ms: 10,
  /** The service's CPU ms per request under the 4-client load at most this many times a bare run's CPU ms. */
  cpuPerRequestVsBare: 1.3,
} as const;

/** The bench's photos (../shared/corpus/photos): the old app's benchmark photo, two landscapes and a phone-sized one. */
export const BENCH_PHOTOS = ['bus.jpg', 'zidane.jpg', 'darknet_kite.jpg', 'phone_size_4032x2688.jpg'] as const;
export const REFERENCE_PHOTO = 'bus.jpg';
export const LARGE_PHOTO = 'phone_size_4032x2688.jpg';

/** The CPU half of each 4-client case is cut into this many segments, each followed by a burst of bare runs. */
export const CPU_SEGMENTS = 2;
/** A bare burst lasts at least this long and this many runs (yolov5l's run alone takes ~0.4 s). */
export const BARE_BURST = { ms: 1000, runs: 3 };
