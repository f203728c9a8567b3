import { HttpException, HttpStatus } from '@nestjs/common';
import { ImageError, ImageErrorKind } from '@app/vision';
import { ModelUnavailableError, UnknownModelError } from '../catalog/model-errors';
import { RefusalReason, RequestRefusedError } from '../inference/request-refused.error';

/**
 * The one place that maps errors raised below the HTTP layer to HTTP: their status and Retry-After. The exception
 * filter answers with it, and /predict/compare uses it for the models it reports as skipped.
 */
const IMAGE_ERROR_STATUS: Record<ImageErrorKind, number> = {
  'unsupported-format': HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  'too-large': HttpStatus.PAYLOAD_TOO_LARGE,
  undecodable: HttpStatus.BAD_REQUEST,
};

const REFUSAL_STATUS: Record<RefusalReason, number> = {
  queue_full: HttpStatus.SERVICE_UNAVAILABLE,
  timeout: HttpStatus.GATEWAY_TIMEOUT,
  // nginx's "client closed request": nobody reads this answer, it only labels logs and metrics.
  client_closed: 499,
  shutting_down: HttpStatus.SERVICE_UNAVAILABLE,
};

export function statusOf(error: unknown): number {
  if (error instanceof HttpException) return error.getStatus();
  if (error instanceof UnknownModelError) return HttpStatus.BAD_REQUEST;
  if (error instanceof ModelUnavailableError) return HttpStatus.SERVICE_UNAVAILABLE;
  if (error instanceof RequestRefusedError) return REFUSAL_STATUS[error.reason];
  if (error instanceof ImageError) return IMAGE_ERROR_STATUS[error.kind];
  // body-parser's and other Express middleware errors carry their status (413 too large, 400 malformed JSON, ...).
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : HttpStatus.INTERNAL_SERVER_ERROR;
}

/** Seconds after which a retry may succeed (the Retry-After header), for refusals caused by load, loading or shutdown. */
export function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof RequestRefusedError || error instanceof ModelUnavailableError) return error.retryAfterSeconds;
  return undefined;
}
