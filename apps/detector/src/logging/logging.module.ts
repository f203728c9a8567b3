import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { HttpLogger } from 'pino-http';
import { CatalogModule } from '../catalog/catalog.module';
import { CatalogService } from '../catalog/catalog.service';
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
      // Log lines name the model a request asked for only when it is one the catalog serves (other text is client input).
      imports: [CatalogModule],
      providers: [{ provide: HTTP_LOGGER, inject: [detectorConfig.KEY, CatalogService], useFactory: (config: DetectorConfig, catalog: CatalogService) => createHttpLogger(config, catalog) }],
      inject: [HTTP_LOGGER],
      useFactory: (httpLogger: HttpLogger) => ({ pinoHttp: { logger: httpLogger.logger }, useExisting: true, assignResponse: true }),
    }),
  ],
})
export class LoggingModule {}
