import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { StreamMetrics } from './stream-metrics';

/** GET /metrics and the MetricsService; main.ts mounts its HTTP middleware ahead of the body parsers. */
@Module({
  imports: [InferenceModule],
  controllers: [MetricsController],
  providers: [MetricsService, StreamMetrics],
  exports: [MetricsService, StreamMetrics],
})
export class MetricsModule {}
