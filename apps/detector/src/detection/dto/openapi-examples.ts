import { STATUS_CODES } from 'node:http';

/** A valid 1×1 grey PNG: the image of the documented requests that fail before detection. */
export const EXAMPLE_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGMoKioCAAKwAVd1/peUAAAAAElFTkSuQmCC';
/**
 * A 480×360 PNG drawn for these examples (a stop sign on a post, 16 colours): the COCO models find one stop sign in
 * it, so Swagger UI's try-it-out shows a detection without a photo to upload.
 */
export const EXAMPLE_PHOTO_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAeAAAAFoBAMAAAB9GTUTAAAAMFBMVEWPs9lvf1XBEh////9mZmZqcGDacXm80eiYudzr8vj01NbNQUx6h5XnoqfXZm/99PXVf0nhAAAACXBIWXMAAAsTAAALEwEAmpwYAAAEIElEQVR4nO3dsW4jVRSH8X857XmFWckF0W6xV1oE0oomdJQ8wfIILqCkQyPRbUNNupS7ZaStbkGxFbwBLZILngDZzhoL2Y6H4hzNOd+vSWaa6OibcZx45o4EAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADwv/30/Uk/KKnhbTvpix+V03R63tZ+UanALWvi6dy8SRMPb1t7M56wSpp4au3VqXnH8buUiYdzgbMmns4Gzpl4OB84Z+LpQuCMiYdLgTMmni4Gzpd4uBw4X+LpicDZEg9PBc6WeHoycK7Ew9OBcyWergicKfFwTeBMiaerAudJPFwXOE/i6crAWRIP1wbOkni6OnCOxMP1gXMknmYEzpB4mBM4Q+JpVuDlJx7mBV5+4mlm4KUnHuYGXnriaXbghSdezw68S/y5lmo9P/A28ZIHfjl/4GcMvBxrClc4pG82m83Dzrvx5uHhYb85jh/2uzebv8Zxv+/DZvNngoGfH67k+HV8dvj+3Xj36dsvxxeH3S8ZeFHWFG4c0i3jOfzV/c7v42f39/f7zd2L1nbn48DbfXc5Bl619vro1+xh84/dXxa7zZvt1NtRGXhh1hQeOaQb53DjVXq5by3H0+dwujcejxj4TcrCq8M0f9c4pFcM/Dp34UfvL7xoPf7xsMfAC7Km8Mgh3TiHG6/Sy3rRerH/D97df99pHf0TL9evpdWZd1pHH7Uw8FKtKTxySLd05/C4/zR8/2n3fnP39fgD8U/7cgw8EwMvyJrC6Q/pV2OxSw9brYtLp2qXDw/VLhBXtVsAVO4mD1W7jUflbtRStVvxVO5mS1W7nVblbphWtVviVW7RA1Vb1kLlFi5RtaVpVG7xIVVbXkrlFhBTtSXiVG4RQFVb5lHlFvJUtaVaVW4xXlVbblnlFtRWtSXTVW5RfFV77IHKPdhC1R5donIPp9G/jx/6+ePH3/I/fuhIv739RpV0Bk6uUzi5TuHkOoWT6xROrlM4uU7h5DqFk+sUTq5TOLlO4eQ6hZPrFE6uUzi5TuHkOoWT6xROrlM4uU7h5DqFk+sUTq5TOLkeV9hCfHt7+3XMT1bMj2VgN7IQFHYjC0FhN7IQFHYjC0FhN7IQFHYjC0FhN7IQFHYjC0FhNxT2wSHtRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwm5kISjsRhaCwublH42lSV3jKcMBAAAAAElFTkSuQmCC';
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

const NOT_AN_IMAGE = 'The data is not an image: send JPEG, PNG, BMP, TIFF or GIF.';
const WEBP_REFUSED = 'WEBP images are not supported: send JPEG, PNG, BMP, TIFF or GIF.';
const TOO_LARGE = { status: 413, summary: 'A body over BODY_LIMIT_MB (default 20 MB)', detail: 'The request body is too large: the limit is 20 MB.' };
const AT_CAPACITY = {
  status: 503,
  summary: 'Every worker busy and QUEUE_DEPTH requests waiting (also: model not installed or loading, shutting down)',
  detail: 'The service is at capacity: every worker is busy and 16 request(s) are already waiting. Retry after 1 s.',
};
const TIMED_OUT = { status: 504, summary: 'Not answered within REQUEST_TIMEOUT_MS', detail: "The detection did not finish within the service's 30000 ms request timeout; it was abandoned." };

/**
 * The models the examples name: one that can serve now (`model`, the catalog's suggestion), the ones a comparison
 * runs, and every served name (what an unknown name's answer lists).
 */
export interface ExampleModels {
  model: string;
  compared: string[];
  names: string[];
}

const unknownModel = (names: string[]) => `Unknown model "yolov9". Available models: ${names.join(', ')}.`;

/** The requests of /predict and /predict/annotated (`fields` adds the route's own fields to the successful one). */
function singleModelRequests({ model, names }: ExampleModels, fields: Record<string, unknown> = {}): Record<string, RequestExample> {
  return {
    png: { summary: 'A drawn stop sign (200, one detection)', status: 200, body: { model, image: EXAMPLE_PHOTO_BASE64, ...fields } },
    'unknown model': { summary: 'An unknown model name (400)', status: 400, body: { model: 'yolov9', image: EXAMPLE_PNG_BASE64 }, detail: unknownModel(names) },
    'not an image': { summary: 'Base64 of text, not of an image (400)', status: 400, body: { model, image: 'aGVsbG8gd29ybGQ=' }, detail: NOT_AN_IMAGE },
    webp: { summary: 'A WebP image (415)', status: 415, body: { model, image: EXAMPLE_WEBP_BASE64 }, detail: WEBP_REFUSED },
    'out of range': {
      summary: 'A confidence threshold above 1 (422)',
      status: 422,
      body: { model, image: EXAMPLE_PNG_BASE64, confidence_threshold: 2 },
      detail: 'confidence_threshold must not be greater than 1',
    },
  };
}

/** Per image route: the requests Swagger UI offers and the error answers it shows, naming `models`. */
export function imageRouteExamples(models: ExampleModels): Record<string, ImageRouteExamples> {
  const { model, compared, names } = models;
  return {
    '/predict': { requests: singleModelRequests(models, { confidence_threshold: 0.25, iou_threshold: 0.45 }), errors: [TOO_LARGE, AT_CAPACITY, TIMED_OUT] },
    '/predict/compare': {
      requests: {
        png: { summary: `A drawn stop sign through ${compared.length === 1 ? 'a model' : `${compared.length} models`} (200)`, status: 200, body: { image: EXAMPLE_PHOTO_BASE64, models: compared } },
        'unknown model': { summary: 'An unknown model name (400)', status: 400, body: { image: EXAMPLE_PNG_BASE64, models: ['yolov9'] }, detail: unknownModel(names) },
        'not an image': { summary: 'Base64 of text, not of an image (400)', status: 400, body: { image: 'aGVsbG8gd29ybGQ=' }, detail: NOT_AN_IMAGE },
        webp: { summary: 'A WebP image (415)', status: 415, body: { image: EXAMPLE_WEBP_BASE64 }, detail: WEBP_REFUSED },
        'no image': { summary: 'No image (422)', status: 422, body: { models: [model] }, detail: 'image is required: a base64 string in JSON, or a file field named "image" in multipart/form-data.' },
      },
      errors: [
        TOO_LARGE,
        { status: 503, summary: 'None of the requested models can run', detail: `None of the requested models could run. Model ${model} is loading; try again shortly.` },
      ],
    },
    '/predict/annotated': {
      requests: singleModelRequests(models, { format: 'jpeg' }),
      errors: [
        { status: 406, summary: 'An Accept header allowing neither PNG nor JPEG, and no `format`', detail: 'Accept allows neither image/png nor image/jpeg: accept one of them or send format=png|jpeg.' },
        TOO_LARGE,
        AT_CAPACITY,
      ],
    },
  };
}

/** An error answer as the service sends it. */
export const errorBody = (status: number, detail: string) => ({ statusCode: status, error: STATUS_CODES[status], detail });
