import { Inject, Injectable, INestApplication, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProbe } from '../common/request-facts';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { MetricsService } from '../metrics/metrics.service';
import { shuttingDownRefusal } from '../inference/request-refused.error';


/**
 * Graceful shutdown. On SIGTERM (or SIGINT): readiness answers 503, new requests are refused with 503 and
 * `Connection: close`, requests already in flight finish (up to SHUTDOWN_GRACE_MS), then the HTTP server and the
 * models' runner threads are closed and the process exits 0. Node as PID 1 in a container has no default SIGTERM
 * handler, so without this `docker stop` waits and then kills.
 */
@Injectable()
export class ShutdownService {
  private readonly logger = new Logger('Shutdown');
  private inFlight = 0;
  private draining = false;

  constructor(
    @Inject(detectorConfig.KEY) private readonly config: DetectorConfig,
    private readonly metrics: MetricsService,
  ) {}

  get isDraining(): boolean {
    return this.draining;
  }

  /** Requests accepted and not yet answered (probes and metrics scrapes excluded). */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Express middleware, mounted before the body parsers: counts requests in flight and refuses new ones (503) once draining. */
  readonly gate = (req: Request, res: Response, next: NextFunction) => {
    if (isProbe(req.path)) return next(); // orchestrators must see readiness turn 503
    if (this.draining) {
      this.metrics.countRefusal('shutting_down');
      res.setHeader('Connection', 'close');
      // Read the body first: answering mid-upload and closing would leave the client with a broken pipe, not a 503.
      req.resume();
      req.once('end', () => next(shuttingDownRefusal(this.config.retryAfterSeconds)));
      return;
    }
    this.inFlight++;
    res.once('close', () => this.inFlight--);
    next();
  };

  /** Installs the signal handlers. Replaces Nest's enableShutdownHooks, which re-raises the signal (exit code 143). */
  handleSignals(app: INestApplication) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        this.shutDown(app, signal).then(
          () => process.exit(0),
          (error: Error) => {
            this.logger.error(`Shutdown failed: ${error.stack ?? error.message}`);
            process.exit(1);
          },
        );
      });
    }
  }

  async shutDown(app: INestApplication, signal: string) {
    if (this.draining) return;
    this.draining = true;
    const { shutdownGraceMs } = this.config;
    this.logger.log(`${signal} received: readiness is now 503; waiting up to ${shutdownGraceMs} ms for ${this.inFlight} request(s) in flight`);
    const deadline = Date.now() + shutdownGraceMs;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(25);
    const server = app.getHttpServer() as Server;
    if (this.inFlight > 0) {
      this.logger.warn(`Grace period over with ${this.inFlight} request(s) still in flight: closing their connections`);
      server.closeAllConnections();
    }
    // Stops the HTTP server (idle keep-alive connections are closed), then runs onApplicationShutdown hooks,
    // which stop the runner threads and release their ONNX Runtime sessions.
    await app.close();
    this.logger.log('Shut down cleanly');
  }
}
