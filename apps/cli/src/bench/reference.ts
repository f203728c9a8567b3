import { Yolov5Model } from '@app/onnx-writer';

/**
 * The system this service replaces (FastAPI + torch hub AutoShape, same architectures), measured on this 2-core
 * machine: median of sequential POST /predict with bus.jpg as base64 JPEG, and requests/s with 4 concurrent clients
 * (issue 3). `bareMs` is the bare onnxruntime-node run at 640x640, for orientation only.
 */
export const REFERENCE: Record<Yolov5Model, { sequentialMs: number; requestsPerSecond: number; bareMs: number }> = {
  yolov5s: { sequentialMs: 104, requestsPerSecond: 11.9, bareMs: 80 },
  yolov5m: { sequentialMs: 261, requestsPerSecond: 3.9, bareMs: 180 },
  yolov5l: { sequentialMs: 491, requestsPerSecond: 2.3, bareMs: 355 },
};

/** The targets, as ratios measured in one bench run. */
export const TARGETS = {
  /** End-to-end p50 below the reference's, for bus.jpg and the 10.8 MP photo. */
  sequentialVsReference: 1,
  /** 10.8 MP photo: end-to-end p50 at most this many times the bare run at the same input shape. */
  largePhotoVsBare: 1.5,
  /** 4-client throughput at least this many times the reference's. */
  throughputVsReference: 1.3,
  /** End-to-end p50 at most this many times the bare run at the same input shape. */
  endToEndVsBare: 1.25,
  /** GET /health p99 during the 4-client load, milliseconds. */
  healthP99Ms: 20,
} as const;

/** The photos of the list (../shared/corpus/photos): the reference's, two landscapes and a phone-sized one. */
export const BENCH_PHOTOS = ['bus.jpg', 'zidane.jpg', 'darknet_kite.jpg', 'phone_size_4032x2688.jpg'] as const;
export const REFERENCE_PHOTO = 'bus.jpg';
export const LARGE_PHOTO = 'phone_size_4032x2688.jpg';
