import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { configValidationSchema, detectorConfig } from './config/detector-config';
import { DetectionModule } from './detection/detection.module';
import { HealthModule } from './health/health.module';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      validationSchema: configValidationSchema,
      validationOptions: { abortEarly: false },
      load: [detectorConfig],
    }),
    DetectionModule,
    HealthModule,
  ],
})
export class AppModule {}
