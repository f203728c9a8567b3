import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import type { KeyedRequest } from './api-key.guard';
import { routeAccessOf } from './route-access.decorator';

/**
 * @nestjs/throttler's guard with one budget per client over all API routes: per API key when keys are on (the
 * ApiKeyGuard runs first and leaves the key's fingerprint), per client address otherwise. Off when
 * RATE_LIMIT_REQUESTS is 0; probes, metrics and static files are never counted.
 */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(detectorConfig.KEY) private readonly config: DetectorConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return this.config.rateLimitRequests === 0 || routeAccessOf(this.reflector, context) !== 'api';
  }

  protected override async getTracker(request: KeyedRequest): Promise<string> {
    return request.apiKeyIdentity ? `key:${request.apiKeyIdentity}` : `address:${await super.getTracker(request)}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `${throttler}:${tracker}`;
  }
}
