import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { HttpLogger } from 'pino-http';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { createHttpLogger, HTTP_LOGGER } from './http-logger';

/**
 * Structured logs (nestjs-pino): Nest's own logs and every `new Logger(...)` become pino JSON lines. The pino-http
 * middleware is built here but mounted by main.ts ahead of the body parsers, so requests refused by them (413,
 * malformed JSON) are logged and get a request id too; nestjs-pino then only binds each request's logger
 * (`useExisting`), so logs made while handling a request carry its id.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      providers: [{ provide: HTTP_LOGGER, inject: [detectorConfig.KEY], useFactory: (config: DetectorConfig) => createHttpLogger(config) }],
      inject: [HTTP_LOGGER],
      useFactory: (httpLogger: HttpLogger) => ({ pinoHttp: { logger: httpLogger.logger }, useExisting: true, assignResponse: true }),
    }),
  ],
})
export class LoggingModule {}
