import { Module } from '@nestjs/common';
import { hostInt8CpuFeatures } from '@app/quantize';
import { CatalogModule } from '../catalog/catalog.module';
import { INT8_CPU, Int8TwinsService } from './int8-twins.service';

/** The INT8 twins made at start (MODELS_INT8=auto) on CPUs with VNNI. */
@Module({ imports: [CatalogModule], providers: [Int8TwinsService, { provide: INT8_CPU, useFactory: hostInt8CpuFeatures }] })
export class Int8Module {}
