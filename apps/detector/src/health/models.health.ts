import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ModelRegistryService } from '../model-registry/model-registry.service';

/** Readiness of the models: up when no installed model is still loading and at least one can serve (downloads do not hold it back). */
@Injectable()
export class ModelsHealthIndicator {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key = 'models') {
    const indicator = this.health.check(key);
    const models = Object.fromEntries(this.registry.allStates().map((state) => [state.name, state.status]));
    return this.registry.isReady() ? indicator.up(models) : indicator.down(models);
  }
}
