import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { ShutdownModule } from '../shutdown/shutdown.module';
import { FrameDetectorModule } from './frame-detector';
import { StreamGateway } from './stream.gateway';

/** Live detection streams over WebSocket (/stream); main.ts installs StreamWsAdapter, which carries the protocol's parser and size cap. */
@Module({
  imports: [FrameDetectorModule, MetricsModule, ShutdownModule],
  providers: [StreamGateway],
})
export class StreamModule {}
