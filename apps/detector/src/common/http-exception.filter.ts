import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { ImageError } from '@app/vision';
import { capEcho, MAX_MESSAGE_CHARS } from './client-echo';
import { retryAfterOf, statusOf } from './error-status';

const megabytes = (bytes: number) => `${Number((bytes / 1024 / 1024).toPrecision(3))} MB`;

/** The checks that failed in a @nestjs/terminus result (readiness 503), e.g. `lifecycle: {"state":"shutting down"}`. */
function failedHealthChecks(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof HttpException)) return undefined;
  const body = error.getResponse() as { status?: unknown; error?: Record<string, unknown> };
  return body?.status === 'error' && body.error ? body.error : undefined;
}

/** What any error means for the client, whatever the shape of the body that carries it. */
export interface ErrorAnswer {
  status: number;
  /** A message a person can act on; never a stack trace. */
  detail: string;
  /** Seconds after which a retry may succeed (the Retry-After header). */
  retryAfterSeconds?: number;
  /** The failed health checks of a readiness 503. */
  checks?: Record<string, unknown>;
}

/**
 * How a family of routes shapes its errors, for protocols with their own error body (the Open Inference Protocol's
 * `{"error": "..."}`). Chosen by path, so errors raised before routing (malformed JSON, body too large, unknown
 * route) get it too. The status and message come from the one mapping here; a protocol may only re-state the status
 * in its own terms (e.g. 422 → 400).
 */
export interface ErrorDialect {
  appliesTo(path: string): boolean;
  status?(answer: ErrorAnswer): number;
  body(answer: ErrorAnswer): object;
}

/** The original app's body (FastAPI's `detail`) plus Nest's status fields: every route outside a dialect. */
const compatibleErrorBody = ({ status, detail, checks }: ErrorAnswer) => ({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', detail, ...(checks && { checks }) });

/**
 * One mapping from errors to statuses and messages for every route, with a message a person can act on and never a
 * stack trace: unexpected errors answer "Internal server error." and go to the log with their stack.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(
    private readonly bodyLimitBytes: number,
    private readonly dialects: readonly ErrorDialect[] = [],
    /** Retry-After of a 503 whose error names none (a model file being rewritten, a readiness probe): every 503 says when to retry. */
    private readonly defaultRetryAfterSeconds = 1,
  ) {}

  catch(error: unknown, host: ArgumentsHost) {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const answer = this.answerFor(error);
    if (answer.status === HttpStatus.INTERNAL_SERVER_ERROR) this.logger.error((error as Error)?.stack ?? String(error));
    if (response.headersSent || response.destroyed) return;
    if (answer.retryAfterSeconds) response.setHeader('Retry-After', String(answer.retryAfterSeconds));
    const path = http.getRequest<Request>().path ?? '';
    const dialect = this.dialects.find((candidate) => candidate.appliesTo(path));
    const status = dialect?.status?.(answer) ?? answer.status;
    response.status(status).json(dialect ? dialect.body({ ...answer, status }) : compatibleErrorBody(answer));
  }

  private answerFor(error: unknown): ErrorAnswer {
    const status = statusOf(error);
    const checks = failedHealthChecks(error);
    const retryAfterSeconds = retryAfterOf(error) ?? (status === HttpStatus.SERVICE_UNAVAILABLE ? this.defaultRetryAfterSeconds : undefined);
    return { status, detail: capEcho(this.detailOf(error, status, checks), MAX_MESSAGE_CHARS), ...(retryAfterSeconds && { retryAfterSeconds }), ...(checks && { checks }) };
  }

  private detailOf(error: unknown, status: number, failedChecks?: Record<string, unknown>): string {
    if (status === HttpStatus.INTERNAL_SERVER_ERROR) return 'Internal server error.';
    if (failedChecks) return `Not ready: ${Object.keys(failedChecks).join(', ')} down.`;
    // JSON (body-parser) and multipart (multer) bodies over the limit: one message for both.
    if (status === HttpStatus.PAYLOAD_TOO_LARGE && !(error instanceof ImageError)) {
      return `The request body is too large: the limit is ${megabytes(this.bodyLimitBytes)}.`;
    }
    if (error instanceof HttpException) {
      const response = error.getResponse();
      const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      return Array.isArray(message) ? message.join('; ') : String(message ?? error.message);
    }
    if ((error as { type?: string }).type === 'entity.parse.failed') return 'The body is not valid JSON.';
    return (error as Error).message;
  }
}
