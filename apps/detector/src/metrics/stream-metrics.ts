import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from './metrics.service';

/** A frame's fate: answered with detections, dropped for a newer one, or answered with an error. */
export type FrameOutcome = 'processed' | 'dropped' | 'failed';

/** From a fast yolov5n at 320 (~20 ms) to a yolov5l at 640 on a loaded machine. */
const FRAME_SECONDS_BUCKETS = [0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5];

/** The live streams' metrics (/stream), on the service's registry: open streams, frames by outcome, frame latency, per model. */
@Injectable()
export class StreamMetrics {
  private readonly open: Gauge<'model'>;
  private readonly frames: Counter<'model' | 'outcome'>;
  private readonly latency: Histogram<'model'>;
  private readonly skipped: Counter<'event'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.open = new Gauge({ name: 'detector_streams_open', help: 'Live streams open, by the model they currently use.', labelNames: ['model'], registers });
    this.frames = new Counter({
      name: 'detector_stream_frames_total',
      help: 'Stream frames by outcome: processed (answered with detections), dropped (replaced by a newer frame before running), failed (answered with an error).',
      labelNames: ['model', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'detector_stream_frame_latency_seconds',
      help: 'From a stream frame arriving to its detections being sent: waiting included.',
      labelNames: ['model'],
      buckets: FRAME_SECONDS_BUCKETS,
      registers,
    });
    this.skipped = new Counter({
      name: 'detector_stream_answers_skipped_total',
      help: 'Stream answers not sent because their client left more than STREAM_MAX_UNREAD_KB unread, by event.',
      labelNames: ['event'],
      registers,
    });
  }

  answerSkipped(event: string) {
    this.skipped.inc({ event });
  }

  streamOpened(model: string) {
    this.open.inc({ model });
  }

  streamClosed(model: string) {
    this.open.dec({ model });
  }

  modelSwitched(from: string, to: string) {
    this.streamClosed(from);
    this.streamOpened(to);
  }

  frame(model: string, outcome: FrameOutcome, latencyMs?: number) {
    this.frames.inc({ model, outcome });
    if (latencyMs !== undefined) this.latency.observe({ model }, latencyMs / 1000);
  }
}
