import { Module } from '@nestjs/common';
import { ShutdownModule } from '../shutdown/shutdown.module';
import { DetectorBackendModule } from './detector-backend';
import { OpenInferenceController } from './open-inference.controller';
import { OpenInferenceService } from './open-inference.service';

/**
 * The KServe Open Inference Protocol (v2) REST API under /v2, the protocol model servers speak on Kubernetes. It
 * reaches the models only through DetectorBackend (detector-backend.ts).
 */
@Module({
  imports: [DetectorBackendModule, ShutdownModule],
  controllers: [OpenInferenceController],
  providers: [OpenInferenceService],
})
export class OpenInferenceModule {}
