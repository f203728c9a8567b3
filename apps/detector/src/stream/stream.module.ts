import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { ModelRegistryModule } from '../model-registry/model-registry.module';
import { FrameDetector, RegistryFrameDetector } from './frame-detector';
import { StreamGateway } from './stream.gateway';

/** Live detection streams over WebSocket (/stream); main.ts installs StreamWsAdapter, which carries the protocol's parser and size cap. */
@Module({
  imports: [ModelRegistryModule, MetricsModule],
  providers: [StreamGateway, { provide: FrameDetector, useClass: RegistryFrameDetector }],
})
export class StreamModule {}
