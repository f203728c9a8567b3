import { imageInputOf, RequestTensor } from './detection-tensors';

/**
 * Swagger UI's examples of POST /v2/models/{name}/infer: requests a user can send as they stand, and for each error
 * status an answer of its own. Messages of the protocol's own checks come from those checks, so they cannot drift.
 */

/** A valid 1×1 grey PNG. */
export const EXAMPLE_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGMoKioCAAKwAVd1/peUAAAAAElFTkSuQmCC';
/** A valid 1×1 WebP, a format the service refuses with 415. */
const EXAMPLE_WEBP_BASE64 = 'UklGRh4AAABXRUJQVlA4TBEAAAAvAAAAAAdQucpVrv+BiOh/AAA=';

const imageInput = (base64: string): RequestTensor => ({ name: 'image', datatype: 'BYTES', shape: [1], data: [base64] });

/** The specification's own example request (a model with inputs "input0" and "input1"). */
const SPEC_EXAMPLE_REQUEST = {
  id: '42',
  inputs: [
    { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
    { name: 'input1', shape: [3], datatype: 'BOOL', data: [true] },
  ],
  outputs: [{ name: 'output0' }],
};

const problemOf = (inputs: RequestTensor[]) => {
  const result = imageInputOf(inputs);
  return result.ok ? '' : result.problem;
};

export const INFER_REQUEST_EXAMPLES = {
  png: {
    summary: 'A 1×1 PNG, with thresholds as parameters (200)',
    value: { id: '42', parameters: { confidence_threshold: 0.25, iou_threshold: 0.45, max_detections: 100, classes: 'person,bus' }, inputs: [imageInput(EXAMPLE_PNG_BASE64)] },
  },
  'spec example': { summary: "The specification's example request, for a model with other inputs (400)", value: SPEC_EXAMPLE_REQUEST },
  webp: { summary: 'A WebP image (415)', value: { inputs: [imageInput(EXAMPLE_WEBP_BASE64)] } },
};

const answer = (summary: string, error: string) => ({ summary, value: { error } });

/** Per error status, the answers Swagger UI shows (named as the request example that provokes it, when there is one). */
export const INFER_ERROR_EXAMPLES = {
  400: { 'spec example': answer("The specification's example request", problemOf(SPEC_EXAMPLE_REQUEST.inputs)) },
  404: { 'unknown model': answer('POST /v2/models/yolov9/infer', 'Unknown model "yolov9". Available models: yolov5s, yolov5m, yolov5l.') },
  413: { 'too large': answer('A body over BODY_LIMIT_MB (default 20 MB)', 'The request body is too large: the limit is 20 MB.') },
  415: { webp: answer('A WebP image', 'WEBP images are not supported: send JPEG, PNG, BMP, TIFF or GIF.') },
  503: {
    'at capacity': answer(
      'Every worker busy and QUEUE_DEPTH requests waiting (also: model not installed or loading, shutting down)',
      'The service is at capacity: every worker is busy and 16 request(s) are already waiting. Retry after 1 s.',
    ),
  },
  504: { 'timed out': answer('Not answered within REQUEST_TIMEOUT_MS', "The detection did not finish within the service's 30000 ms request timeout; it was abandoned.") },
};
