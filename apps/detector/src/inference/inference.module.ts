import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { InferenceService } from './inference.service';

/** The detection path: the scheduler in front of each model's runner threads, following the catalog. */
@Module({ imports: [CatalogModule], providers: [InferenceService], exports: [InferenceService, CatalogModule] })
export class InferenceModule {}
