import { HttpStatus, Logger, UnprocessableEntityException, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { DetectorConfig, detectorConfig } from './config/detector-config';
import { setUpSwagger } from './swagger';

async function bootstrap() {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false });
  const config = app.get<DetectorConfig>(detectorConfig.KEY);
  // The seed's clients send images as base64 JSON: Express's 100 kB default is far too small.
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.useBodyParser('urlencoded', { limit: config.bodyLimitBytes, extended: false });
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      // FastAPI (the seed) answers schema violations with 422.
      errorHttpStatusCode: HttpStatus.UNPROCESSABLE_ENTITY,
      exceptionFactory: (errors) =>
        new UnprocessableEntityException(errors.flatMap((error) => Object.values(error.constraints ?? { [error.property]: `${error.property} is invalid` }))),
    }),
  );
  app.enableShutdownHooks();
  setUpSwagger(app);
  await app.listen(config.port, config.host);
  new Logger('Bootstrap').log(`Listening on http://${config.host}:${config.port} (Swagger UI at /docs)`);
}

void bootstrap();
