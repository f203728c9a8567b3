import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuthModule } from './auth/auth.module';
import { configValidationSchema, detectorConfig } from './config/detector-config';
import { DetectionModule } from './detection/detection.module';
import { HealthModule } from './health/health.module';
import { Int8Module } from './int8/int8.module';
import { OpenInferenceModule } from './inference-protocol-v2/open-inference.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { StreamModule } from './stream/stream.module';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      validationSchema: configValidationSchema,
      validationOptions: { abortEarly: false },
      load: [detectorConfig],
    }),
    LoggingModule,
    AuthModule,
    MetricsModule,
    DetectionModule,
    HealthModule,
    OpenInferenceModule,
    StreamModule,
    Int8Module,
  ],
})
export class AppModule {}
