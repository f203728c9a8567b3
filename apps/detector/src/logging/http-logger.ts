import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { HttpLogger, pinoHttp } from 'pino-http';
import pinoPretty from 'pino-pretty';
import { redactKeyInUrl } from '../auth/api-keys';
import { isProbe, servedModelOf } from '../common/request-facts';
import { DetectorConfig } from '../config/detector-config';

export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

/** Accepted from clients as X-Request-Id: short and without characters that could forge log lines. */
const CLIENT_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The stage durations the TimingInterceptor sent as `Server-Timing` ("decode;dur=12.3, inference;dur=80"), in ms. */
function stageDurations(res: ServerResponse): Record<string, number> | undefined {
  const header = res.getHeader('server-timing');
  if (typeof header !== 'string') return undefined;
  const entries = header.split(',').map((entry) => /^\s*(\w+);dur=([\d.]+)/.exec(entry)).filter((match) => match !== null);
  return entries.length > 0 ? Object.fromEntries(entries.map(([, stage, ms]) => [stage, Number(ms)])) : undefined;
}

/**
 * On a terminal (`npm start`), pino-pretty's readable lines; otherwise (containers, pipes, log collectors) pino's JSON
 * lines on stdout.
 */
export function terminalDestination(stdout: Pick<NodeJS.WriteStream, 'isTTY'> & NodeJS.WritableStream = process.stdout): pino.DestinationStream | undefined {
  if (!stdout.isTTY) return undefined;
  return pinoPretty({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}{context}: {end}{msg}',
    destination: stdout === process.stdout ? 1 : stdout,
    sync: true,
  });
}

/**
 * One JSON line per request (pino-http): request id, method, route, status, model, response time and the detection's
 * stage durations. Bodies and headers are never logged (bodies hold the images, headers may hold credentials), an
 * API key in the URL is redacted, and so is body-parser's copy of the raw body on its errors. Successful probes and scrapes are not logged.
 */
export function createHttpLogger(
  config: Pick<DetectorConfig, 'logLevel'>,
  catalog: { get(name: string): unknown },
  destination: pino.DestinationStream | undefined = terminalDestination(),
): HttpLogger {
  const logger = pino(
    {
      level: config.logLevel,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['req.body', 'err.body'],
        censor: '[redacted]',
      },
    },
    destination,
  );
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && CLIENT_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: redactKeyInUrl(req.url), remoteAddress: req.remoteAddress }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (req, res, error) => {
      if (!res.writableFinished) return 'warn'; // the client went away before its answer
      if (res.statusCode === 503 || res.statusCode === 504) return isProbe(req.url ?? '') ? 'info' : 'warn'; // overload, timeouts, loading
      if (error || res.statusCode >= 500) return 'error';
      if (isProbe(req.url ?? '')) return 'silent';
      return 'info';
    },
    customSuccessObject: (req, res, value) => ({ ...value, model: servedModelOf((req as { body?: unknown }).body, catalog), stages: stageDurations(res), aborted: res.writableFinished ? undefined : true }),
    // The filter has already logged unexpected errors with their stack; pino-http's own `err` here is a stand-in.
    customErrorObject: (req, res, _error, value) => ({ ...value, err: undefined, model: servedModelOf((req as { body?: unknown }).body, catalog) }),
    customSuccessMessage: (req, res) => `${req.method} ${redactKeyInUrl(req.url ?? '')} ${res.writableFinished ? res.statusCode : 'aborted by the client'}`,
    customErrorMessage: (req, res) => `${req.method} ${redactKeyInUrl(req.url ?? '')} ${res.statusCode}`,
  });
}
