import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { ShutdownService } from './shutdown.service';

@Module({
  imports: [MetricsModule],
  providers: [ShutdownService],
  exports: [ShutdownService],
})
export class ShutdownModule {}
