import { Module } from '@nestjs/common';
import { CatalogService } from './catalog.service';

/** Which models exist and their state (the models folder, the models config, the official downloads). */
@Module({ providers: [CatalogService], exports: [CatalogService] })
export class CatalogModule {}
