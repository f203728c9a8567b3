import { Module } from '@nestjs/common';
import { ModelRegistryModule } from '../model-registry/model-registry.module';
import { WebController } from './web.controller';

/** The companion web page at /ui: pick a photo, run one model or compare all three, see the boxes and timings. */
@Module({
  imports: [ModelRegistryModule],
  controllers: [WebController],
})
export class WebModule {}
