import { STATUS_CODES } from 'node:http';

/** A valid 1×1 grey PNG: the image of the documented JSON requests (Swagger UI's try-it-out sends it as is). */
export const EXAMPLE_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGMoKioCAAKwAVd1/peUAAAAAElFTkSuQmCC';
/** A valid 1×1 WebP, a format the service refuses with 415. */
const EXAMPLE_WEBP_BASE64 = 'UklGRh4AAABXRUJQVlA4TBEAAAAvAAAAAAdQucpVrv+BiOh/AAA=';

/**
 * One documented request of an image route and what the service answers it: Swagger UI offers the requests in a
 * list, and each error status shows the answers of its own requests. An e2e test sends every one of them.
 */
export interface RequestExample {
  summary: string;
  status: number;
  body: Record<string, unknown>;
  /** The error's `detail` (what the answer's example shows). */
  detail?: string;
}

/** Error answers that no small request can provoke here (they depend on size, load or time): shown, not sent. */
export interface ErrorExample {
  status: number;
  summary: string;
  detail: string;
}

export interface ImageRouteExamples {
  requests: Record<string, RequestExample>;
  errors: ErrorExample[];
}

const UNKNOWN_MODEL = 'Unknown model "yolov9". Available models: yolov5s, yolov5m, yolov5l.';
const NOT_AN_IMAGE = 'The data is not an image: send JPEG, PNG, BMP, TIFF or GIF.';
const WEBP_REFUSED = 'WEBP images are not supported: send JPEG, PNG, BMP, TIFF or GIF.';
const TOO_LARGE = { status: 413, summary: 'A body over BODY_LIMIT_MB (default 20 MB)', detail: 'The request body is too large: the limit is 20 MB.' };
const AT_CAPACITY = {
  status: 503,
  summary: 'Every worker busy and QUEUE_DEPTH requests waiting (also: model not installed or loading, shutting down)',
  detail: 'The service is at capacity: every worker is busy and 16 request(s) are already waiting. Retry after 1 s.',
};
const TIMED_OUT = { status: 504, summary: 'Not answered within REQUEST_TIMEOUT_MS', detail: "The detection did not finish within the service's 30000 ms request timeout; it was abandoned." };

/** The requests of /predict and /predict/annotated (`fields` adds the route's own fields to the successful one). */
function singleModelRequests(fields: Record<string, unknown> = {}): Record<string, RequestExample> {
  return {
    png: { summary: 'A 1×1 PNG (200)', status: 200, body: { model: 'yolov5s', image: EXAMPLE_PNG_BASE64, ...fields } },
    'unknown model': { summary: 'An unknown model name (400)', status: 400, body: { model: 'yolov9', image: EXAMPLE_PNG_BASE64 }, detail: UNKNOWN_MODEL },
    'not an image': { summary: 'Base64 of text, not of an image (400)', status: 400, body: { model: 'yolov5s', image: 'aGVsbG8gd29ybGQ=' }, detail: NOT_AN_IMAGE },
    webp: { summary: 'A WebP image (415)', status: 415, body: { model: 'yolov5s', image: EXAMPLE_WEBP_BASE64 }, detail: WEBP_REFUSED },
    'out of range': {
      summary: 'A confidence threshold above 1 (422)',
      status: 422,
      body: { model: 'yolov5s', image: EXAMPLE_PNG_BASE64, confidence_threshold: 2 },
      detail: 'confidence_threshold must not be greater than 1',
    },
  };
}

/** Per image route: the requests Swagger UI offers and the error answers it shows. */
export const IMAGE_ROUTE_EXAMPLES: Record<string, ImageRouteExamples> = {
  '/predict': { requests: singleModelRequests({ confidence_threshold: 0.25, iou_threshold: 0.45 }), errors: [TOO_LARGE, AT_CAPACITY, TIMED_OUT] },
  '/predict/compare': {
    requests: {
      png: { summary: 'A 1×1 PNG through two models (200)', status: 200, body: { image: EXAMPLE_PNG_BASE64, models: ['yolov5s', 'yolov5m'] } },
      'unknown model': { summary: 'An unknown model name (400)', status: 400, body: { image: EXAMPLE_PNG_BASE64, models: ['yolov9'] }, detail: UNKNOWN_MODEL },
      'not an image': { summary: 'Base64 of text, not of an image (400)', status: 400, body: { image: 'aGVsbG8gd29ybGQ=' }, detail: NOT_AN_IMAGE },
      webp: { summary: 'A WebP image (415)', status: 415, body: { image: EXAMPLE_WEBP_BASE64 }, detail: WEBP_REFUSED },
      'no image': { summary: 'No image (422)', status: 422, body: { models: ['yolov5s'] }, detail: 'image is required: a base64 string in JSON, or a file field named "image" in multipart/form-data.' },
    },
    errors: [
      TOO_LARGE,
      { status: 503, summary: 'None of the requested models can run', detail: 'None of the requested models could run. Model yolov5s is loading; try again shortly.' },
    ],
  },
  '/predict/annotated': {
    requests: singleModelRequests({ format: 'jpeg' }),
    errors: [
      { status: 406, summary: 'An Accept header allowing neither PNG nor JPEG, and no `format`', detail: 'Accept allows neither image/png nor image/jpeg: accept one of them or send format=png|jpeg.' },
      TOO_LARGE,
      AT_CAPACITY,
    ],
  },
};

/** An error answer as the service sends it. */
export const errorBody = (status: number, detail: string) => ({ statusCode: status, error: STATUS_CODES[status], detail });
