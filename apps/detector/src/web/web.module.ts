import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { WebController } from './web.controller';

/** The companion web page at /ui: pick a photo, run one model or compare all three, see the boxes and timings. */
@Module({
  imports: [CatalogModule],
  controllers: [WebController],
})
export class WebModule {}
