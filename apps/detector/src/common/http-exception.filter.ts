import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { ImageError } from '@app/vision';
import { ModelUnavailableError, UnknownModelError } from '../model-registry/model-errors';

/** Status codes of errors raised below the HTTP layer. */
function statusOf(error: unknown): number {
  if (error instanceof HttpException) return error.getStatus();
  if (error instanceof UnknownModelError) return HttpStatus.BAD_REQUEST;
  if (error instanceof ModelUnavailableError) return HttpStatus.SERVICE_UNAVAILABLE;
  if (error instanceof ImageError) return error.kind === 'unsupported-format' ? HttpStatus.UNSUPPORTED_MEDIA_TYPE : HttpStatus.BAD_REQUEST;
  // body-parser's and other Express middleware errors carry their status (413 too large, 400 malformed JSON, ...).
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : HttpStatus.INTERNAL_SERVER_ERROR;
}

function detailOf(error: unknown, status: number): string {
  if (status === HttpStatus.INTERNAL_SERVER_ERROR) return 'Internal server error.';
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    return Array.isArray(message) ? message.join('; ') : String(message ?? error.message);
  }
  return (error as Error).message;
}

/** One error shape for every route, with a message a person can act on and never a stack trace. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(error: unknown, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse<Response>();
    const status = statusOf(error);
    if (status >= 500 && !(error instanceof ModelUnavailableError)) this.logger.error((error as Error)?.stack ?? String(error));
    if (error instanceof ModelUnavailableError && error.retryAfterSeconds) response.setHeader('Retry-After', String(error.retryAfterSeconds));
    if (response.headersSent) return;
    response.status(status).json({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', detail: detailOf(error, status) });
  }
}
