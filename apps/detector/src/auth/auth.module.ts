import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { ApiKeyAccess } from './api-key-access';
import { ApiKeyGuard } from './api-key.guard';
import { ClientThrottlerGuard } from './client-throttler.guard';

/**
 * API keys (off unless API_KEYS or API_KEYS_FILE is set) and per-client rate limits (off unless RATE_LIMIT_REQUESTS
 * is set), as global guards in this order: a request without a valid key is refused before it counts against a limit.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [detectorConfig.KEY],
      useFactory: (config: DetectorConfig) => ({
        throttlers: [{ limit: config.rateLimitRequests, ttl: config.rateLimitWindowSeconds * 1000 }],
        errorMessage: (_context, { limit, ttl, timeToBlockExpire }) =>
          `Too many requests: at most ${limit} per ${ttl / 1000} s for each client (RATE_LIMIT_REQUESTS); retry after ${timeToBlockExpire} s.`,
      }),
    }),
  ],
  providers: [ApiKeyAccess, { provide: APP_GUARD, useClass: ApiKeyGuard }, { provide: APP_GUARD, useClass: ClientThrottlerGuard }],
  exports: [ApiKeyAccess],
})
export class AuthModule {}
