import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CatalogModule } from '../catalog/catalog.module';
import { HealthController } from './health.controller';
import { ModelsHealthIndicator } from './models.health';
import { ShutdownHealthIndicator } from './shutdown.health';
import { ShutdownModule } from '../shutdown/shutdown.module';

@Module({
  // Terminus would log every failed check as an error: a readiness 503 while loading or draining is expected, and
  // the request log line already records it.
  imports: [TerminusModule.forRoot({ logger: false }), CatalogModule, ShutdownModule],
  controllers: [HealthController],
  providers: [ModelsHealthIndicator, ShutdownHealthIndicator],
})
export class HealthModule {}
