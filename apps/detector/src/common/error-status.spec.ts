import { HttpStatus } from '@nestjs/common';
import { ImageError } from '@app/vision';
import { ModelUnavailableError, UnknownModelError } from '../catalog/model-errors';
import { RequestRefusedError } from '../inference/request-refused.error';
import { retryAfterOf, statusOf } from './error-status';

describe('the error map', () => {
  it.each([
    ['queue_full', 503],
    ['timeout', 504],
    ['client_closed', 499],
    ['shutting_down', 503],
  ] as const)('answers a %s refusal with %i and its Retry-After', (reason, status) => {
    const refusal = new RequestRefusedError(reason, 'refused', 2);
    expect([statusOf(refusal), retryAfterOf(refusal)]).toEqual([status, 2]);
  });

  it("maps the catalog's and the decoder's errors, and keeps middleware statuses", () => {
    expect(statusOf(new UnknownModelError('yolov9', ['yolov5s']))).toBe(HttpStatus.BAD_REQUEST);
    expect(statusOf(new ModelUnavailableError('yolov5s', 'still loading', 5))).toBe(HttpStatus.SERVICE_UNAVAILABLE);
    expect(statusOf(new ImageError('unsupported-format', 'WebP'))).toBe(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
    expect(statusOf(Object.assign(new Error('too large'), { status: 413 }))).toBe(413);
    expect(statusOf(new Error('boom'))).toBe(HttpStatus.INTERNAL_SERVER_ERROR);
  });
});
