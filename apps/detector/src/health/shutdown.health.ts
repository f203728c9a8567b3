import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ShutdownService } from '../shutdown/shutdown.service';

/** Down from the moment SIGTERM arrives, so load balancers stop sending traffic while requests in flight finish. */
@Injectable()
export class ShutdownHealthIndicator {
  constructor(
    private readonly shutdown: ShutdownService,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key = 'lifecycle') {
    const indicator = this.health.check(key);
    return this.shutdown.isDraining ? indicator.down({ state: 'shutting down', inFlight: this.shutdown.inFlightCount }) : indicator.up({ state: 'serving' });
  }
}
