import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { InferenceModule } from '../inference/inference.module';
import { WebModule } from '../web/web.module';
import { AnnotateController } from './annotate.controller';
import { AnnotationService } from './annotation.service';
import { CompareController } from './compare.controller';
import { CompareService } from './compare.service';
import { DetectionController } from './detection.controller';
import { DetectionService } from './detection.service';
import { InfoController } from './info.controller';

@Module({
  imports: [
    InferenceModule,
    // The companion page at /ui is the human face of these routes.
    WebModule,
    // Uploads stay in memory (they go straight to a runner thread) and obey the same size limit as JSON bodies.
    MulterModule.registerAsync({
      inject: [detectorConfig.KEY],
      useFactory: (config: DetectorConfig) => ({ limits: { fileSize: config.bodyLimitBytes, files: 1, fields: 20, fieldSize: 1024 * 1024 } }),
    }),
  ],
  // In this order in Swagger UI: the main route first.
  controllers: [DetectionController, CompareController, AnnotateController, InfoController],
  providers: [DetectionService, CompareService, AnnotationService],
  exports: [DetectionService],
})
export class DetectionModule {}
