import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CatalogService } from '../catalog/catalog.service';

/** Readiness of the models: up when no installed model is still loading and at least one can serve (downloads do not hold it back; broken files do not count). */
@Injectable()
export class ModelsHealthIndicator {
  constructor(
    private readonly catalog: CatalogService,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key = 'models') {
    const indicator = this.health.check(key);
    const models = Object.fromEntries(this.catalog.all().map((model) => [model.name, model.status]));
    return this.catalog.isReady() ? indicator.up(models) : indicator.down(models);
  }
}
