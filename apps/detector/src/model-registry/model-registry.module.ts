import { Module } from '@nestjs/common';
import { OFFICIAL_MODEL_NAMES } from '@app/model-store';
import { ModelHandle, modelHandleToken } from './model-handle';
import { ModelRegistryService } from './model-registry.service';

const handleProviders = OFFICIAL_MODEL_NAMES.map((name) => ({
  provide: modelHandleToken(name),
  useFactory: (registry: ModelRegistryService): ModelHandle => registry.handle(name),
  inject: [ModelRegistryService],
}));

/** Provides the registry and one injectable ModelHandle per served model. */
@Module({
  providers: [ModelRegistryService, ...handleProviders],
  exports: [ModelRegistryService, ...handleProviders.map((provider) => provider.provide)],
})
export class ModelRegistryModule {}
