import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { servedModelOf } from '../common/request-facts';
import { CatalogService } from '../catalog/catalog.service';
import { MODEL_STATUSES } from '../catalog/model-state';
import { InferenceService } from '../inference/inference.service';
import { RefusalReason } from '../inference/request-refused.error';

const STAGES = ['decode', 'preprocess', 'inference', 'postprocess'] as const;
/** From a few ms (tiny images, cached models) to the request timeout's range. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The Prometheus metrics of the service (prom-client), served at /metrics: HTTP requests by route, status and model;
 * per-stage and end-to-end detection latency; the models' queues and runners; refused requests; model states and load
 * times; and prom-client's default process metrics (RSS, heap, CPU, event-loop lag, GC).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private staticRoutes: Set<string> | null = null;

  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route, status and model (empty when the request names none).',
    labelNames: ['method', 'route', 'status', 'model'],
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request arriving to its answer being sent (body upload included).',
    labelNames: ['method', 'route', 'status'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly stageDuration = new Histogram({
    name: 'detector_stage_duration_seconds',
    help: 'Duration of each stage of a detection: queue (waiting for a runner of its model), decode, preprocess, inference, postprocess.',
    labelNames: ['model', 'stage'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly detectionDuration = new Histogram({
    name: 'detector_detection_duration_seconds',
    help: 'End-to-end duration of a successful detection: queue wait plus the runner pipeline.',
    labelNames: ['model'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly refusals = new Counter({
    name: 'detector_refused_requests_total',
    help: 'Requests refused or abandoned: queue_full (503), timeout (504), client_closed, shutting_down (503).',
    labelNames: ['reason', 'model'],
    registers: [this.registry],
  });

  private readonly abandoned = new Counter({
    name: 'detector_abandoned_tasks_total',
    help: 'Tasks a runner dropped after their request timed out or its client left, by the stage they did not run (decode, inference).',
    labelNames: ['model', 'stage'],
    registers: [this.registry],
  });

  constructor(
    private readonly inference: InferenceService,
    private readonly catalog: CatalogService,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    // The gauges read the registry when scraped (prom-client calls `collect` with the gauge as `this`).
    const registers = [this.registry];
    const pool = () => inference.loadStats();
    const models = () => catalog.all();
    new Gauge({ name: 'detector_queue_depth', help: 'Detections waiting for a free runner, all models together.', registers, collect() { this.set(pool().queued); } });
    new Gauge({ name: 'detector_queue_capacity', help: 'Detections that may wait per model (QUEUE_DEPTH); beyond it requests for that model get 503.', registers, collect() { this.set(pool().queueDepth); } });
    new Gauge({ name: 'detector_workers_busy', help: 'Tasks on runner threads (each takes up to two: one decoding while one runs), all models together; abandoned tasks count until their ORT run ends.', registers, collect() { this.set(pool().running); } });
    new Gauge({
      name: 'detector_model_queue_depth',
      help: "Detections waiting for one model's runners (each model has its own queue of QUEUE_DEPTH).",
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const { model, queued } of inference.modelLoad()) this.set({ model }, queued);
      },
    });
    new Gauge({
      name: 'detector_model_busy',
      help: "Tasks on one model's runner threads (up to two per runner: one decoding while one runs).",
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const { model, running } of inference.modelLoad()) this.set({ model }, running);
      },
    });
    new Gauge({ name: 'detector_workers', help: 'Runner threads of the models started so far (each model has its own: WORKER_THREADS or its replicas).', registers, collect() { this.set(pool().threads); } });
    new Gauge({
      name: 'detector_model_state',
      help: "1 for each model's current state (missing, fetching, loading, loaded, not-loaded, failed), 0 for the others.",
      labelNames: ['model', 'state'],
      registers,
      collect() {
        for (const { name, status } of models()) {
          for (const state of MODEL_STATUSES) this.set({ model: name, state }, status === state ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'detector_model_head_layout',
      help: "1 for each usable model's head layout (yolov5, yolov8, end2end: how its output reads, see GET /models/{name}).",
      labelNames: ['model', 'layout'],
      registers,
      collect() {
        this.reset();
        for (const { name, description } of models()) if (description) this.set({ model: name, layout: description.headLayout }, 1);
      },
    });
    new Gauge({
      name: 'detector_model_load_seconds',
      help: 'Time the first runner took to load and warm up the model.',
      labelNames: ['model'],
      registers,
      collect() {
        for (const { name, description } of models()) if (description?.loadMs !== undefined) this.set({ model: name }, description.loadMs / 1000);
      },
    });
    collectDefaultMetrics({ register: this.registry });

    inference.events.on('detection', ({ model, timings, queueMs, totalMs }) => {
      this.stageDuration.observe({ model, stage: 'queue' }, queueMs / 1000);
      for (const stage of STAGES) this.stageDuration.observe({ model, stage }, timings[stage] / 1000);
      this.detectionDuration.observe({ model }, totalMs / 1000);
    });
    inference.events.on('refusal', ({ model, reason }) => this.countRefusal(reason, model));
    inference.events.on('abandoned', ({ model, stage }) => this.abandoned.inc({ model, stage }));
  }

  countRefusal(reason: RefusalReason, model = '') {
    this.refusals.inc({ reason, model });
  }

  /** Express middleware recording every request once it is answered (or abandoned by its client). */
  readonly httpMiddleware = (req: Request, res: Response, next: NextFunction) => {
    const stopTimer = this.httpDuration.startTimer();
    res.once('close', () => {
      const labels = { method: req.method, route: this.routeOf(req, res), status: String(res.writableFinished ? res.statusCode : 499) };
      stopTimer(labels);
      this.httpRequests.inc({ ...labels, model: servedModelOf(req.body, this.catalog) ?? '' });
    });
    next();
  };

  /** The route template, never the raw path (which would let any client create label values). */
  private routeOf(req: Request, res: Response): string {
    const routed = (req.route as { path?: string } | undefined)?.path;
    // A wildcard is a middleware's catch-all (nestjs-pino mounts one), not a route.
    if (routed && !routed.includes('*')) return routed;
    // Refused before routing (body limit, malformed JSON, shutdown): the path names the route when it has no parameters.
    if (res.statusCode !== 404 && this.knownStaticRoutes().has(req.path)) return req.path;
    return 'unmatched';
  }

  private knownStaticRoutes(): Set<string> {
    if (!this.staticRoutes) {
      const router = this.adapterHost.httpAdapter.getInstance<{ router?: { stack?: { route?: { path?: unknown } }[] } }>().router;
      const paths = (router?.stack ?? []).map((layer) => layer.route?.path).filter((path): path is string => typeof path === 'string');
      this.staticRoutes = new Set(paths.filter((path) => !path.includes(':') && !path.includes('*')));
    }
    return this.staticRoutes;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
