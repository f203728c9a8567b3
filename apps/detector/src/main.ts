import { HttpStatus, UnprocessableEntityException, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { ApiKeyAccess } from './auth/api-key-access';
import { refuseWithoutKey } from './auth/api-key.middleware';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { HttpLogger } from 'pino-http';
import { hostInt8CpuFeatures } from '@app/quantize';
import { hasTurboJpeg } from '@app/vision/turbojpeg';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { rejectDeepJson, requireJsonObject } from './common/json-depth.middleware';
import { isLenientJsonRequest, parseLenientJson } from './common/lenient-json-body';
import { validationMessages } from './common/validation-messages';
import { DetectorConfig, detectorConfig } from './config/detector-config';
import { OPEN_INFERENCE_ERRORS } from './inference-protocol-v2/open-inference-errors';
import { HTTP_LOGGER } from './logging/http-logger';
import { MetricsService } from './metrics/metrics.service';
import { InferenceService } from './inference/inference.service';
import { refuseWhenSaturated } from './inference/saturation.middleware';
import { ShutdownService } from './shutdown/shutdown.service';
import { streamOriginCheck } from './stream/stream-origin.check';
import { StreamWsAdapter } from './stream/stream-ws.adapter';
import { setUpSwagger } from './swagger';

async function bootstrap() {
  // Until pino takes over, Nest's logs are buffered (and replayed as JSON); an error during start-up, such as a bad
  // setting, is rethrown to the handler at the bottom (abortOnError: false) instead of being printed with a stack.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true, abortOnError: false, logger: false });
  app.useLogger(app.get(Logger));
  const config = app.get<DetectorConfig>(detectorConfig.KEY);
  const shutdown = app.get(ShutdownService);

  // Order matters: everything that must see every request (even one a body parser refuses) comes first.
  app.use(
    helmet({
      // Swagger UI (/docs) loads its own scripts and styles and uses inline styles and data: images, all allowed by
      // helmet's default policy; upgrade-insecure-requests would make browsers fetch them over https, which breaks
      // the UI when the service is reached over plain http (behind a TLS proxy it is set there).
      // The page's live mode plays a video file the user picks through a blob: URL.
      contentSecurityPolicy: { useDefaults: true, directives: { upgradeInsecureRequests: null, mediaSrc: ["'self'", 'blob:'] } },
    }),
  );
  if (config.corsOrigins) app.enableCors({ origin: config.corsOrigins, exposedHeaders: ['X-Request-Id', 'Server-Timing', 'Retry-After'] });
  app.use(app.get<HttpLogger>(HTTP_LOGGER));
  app.use(app.get(MetricsService).httpMiddleware);
  app.use(shutdown.gate);
  app.use(['/predict', '/v2/models'], refuseWithoutKey(app.get(ApiKeyAccess)));
  app.use(['/predict', '/v2/models'], refuseWhenSaturated(app.get(InferenceService)));
  // The seed's clients send images as base64 JSON: Express's 100 kB default is far too small.
  app.useBodyParser('json', { limit: config.bodyLimitBytes, strict: false });
  // FastAPI reads JSON sent without a JSON Content-Type (python requests' `data=`, `curl -d @body.json`): so does this.
  app.useBodyParser('text', { limit: config.bodyLimitBytes, type: isLenientJsonRequest });
  app.use(parseLenientJson);
  app.use(requireJsonObject);
  app.use(rejectDeepJson);

  app.useGlobalFilters(new HttpExceptionFilter(config.bodyLimitBytes, [OPEN_INFERENCE_ERRORS], config.retryAfterSeconds));
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      // FastAPI (the seed) answers schema violations with 422.
      errorHttpStatusCode: HttpStatus.UNPROCESSABLE_ENTITY,
      exceptionFactory: (errors) => new UnprocessableEntityException(validationMessages(errors)),
    }),
  );
  // Live streams (/stream): a message over 4 frames' worth closes its stream before it is buffered whole.
  app.useWebSocketAdapter(new StreamWsAdapter(app, 4 * config.streamMaxFrameBytes, [streamOriginCheck(config.corsOrigins), app.get(ApiKeyAccess).refuseStreamWithoutKey]));
  shutdown.handleSignals(app);
  setUpSwagger(app);
  await app.listen(config.port, config.host);
  app.get(Logger).log(`Listening on http://${config.host}:${config.port} (Swagger UI at /docs)`, 'Bootstrap');
  // INT8 (*-int8.onnx) models run on any x86-64 CPU, but are fast only with VNNI: say which this host has.
  app.get(Logger).log(`CPU: ${hostInt8CpuFeatures().summary}`, 'Bootstrap');
  app.get(Logger).log(
    hasTurboJpeg()
      ? 'JPEG decoding: TurboJPEG (the system libturbojpeg.so.0) for upright JPEGs, sharp for the rest'
      : 'JPEG decoding: sharp only; the system library libturbojpeg0 (Debian, Ubuntu) would decode upright JPEGs in about half the CPU time',
    'Bootstrap',
  );
}

bootstrap().catch((error: Error) => {
  // A configuration error names the variable ("PORT" must be a number); print it without a stack and stop.
  const configError = error.message.startsWith('Config validation error');
  process.stderr.write(`Startup failed: ${configError ? error.message : (error.stack ?? error.message)}\n`);
  process.exit(1);
});
