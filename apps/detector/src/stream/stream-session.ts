import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { presentTimings, sniffImageFormat } from '@app/vision';
import type { WebSocket } from 'ws';
import { capEcho, MAX_MESSAGE_CHARS } from '../common/client-echo';
import { StreamLimits } from '../config/detector-config';
import { StreamMetrics } from '../metrics/stream-metrics';
import { FrameDetector, FrameError } from './frame-detector';
import { RUNNER_PIPELINE_DEPTH } from '../inference/model-runners';
import { LatestFrameSlot } from './latest-frame-slot';
import { CLOSE_CODES, StreamErrorCode, StreamEvent, StreamMessages } from './stream-protocol';
import { applySettings, StreamSettings, toDetectOptions } from './stream-settings.dto';

/** Frames are JPEG or PNG: what cameras and canvases produce, and cheap to sniff. */
const FRAME_FORMATS = new Set(['jpeg', 'png']);

const logger = new Logger('StreamSession');

interface Frame {
  id: number;
  bytes: Uint8Array;
  arrivedAt: number;
}

/** One open stream: its settings, its latest-frame slot, its limits (idle, message rate), its answers. */
export class StreamSession {
  private frameCount = 0;
  private droppedCount = 0;
  private readonly slot: LatestFrameSlot<Frame>;
  private readonly idleTimer: NodeJS.Timeout;
  /** Token bucket: up to one second's worth of messages at once, refilled continuously. */
  private tokens: number;
  private refilledAt = performance.now();
  private closed = false;
  /** Settings messages are applied in order, and frames wait for the settings sent before them. */
  private settingsApplied: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    private settings: StreamSettings,
    private readonly limits: StreamLimits,
    private readonly detector: FrameDetector,
    private readonly metrics: StreamMetrics,
  ) {
    this.tokens = limits.streamMaxMessagesPerSecond;
    // As many frames run as a runner overlaps: the next one decodes while this one is in session.run.
    this.slot = new LatestFrameSlot<Frame>(
      {
        run: (frame, signal) => this.run(frame, signal),
        dropped: (frame) => this.drop(frame),
        canStart: () => this.isReading(),
      },
      RUNNER_PIPELINE_DEPTH,
    );
    this.idleTimer = setTimeout(() => this.close(CLOSE_CODES.idle, `no frame or valid settings for ${limits.streamIdleTimeoutMs} ms`), limits.streamIdleTimeoutMs);
    metrics.streamOpened(settings.model);
  }

  /** Applies the settings in the URL that opened the stream; invalid ones close it (4400), since its client asked for something else. */
  open(query: Record<string, string>) {
    this.settingsApplied = this.settingsApplied.then(async () => {
      const problem = await this.check(query);
      if (!problem) return this.apply(query);
      this.send('error', { code: 'bad_settings', message: problem });
      this.close(CLOSE_CODES.badSettings, 'invalid settings in the URL (see the error message)');
    });
  }

  /** A binary message: the next frame. */
  onFrame(bytes: Uint8Array) {
    if (!this.admit()) return;
    const id = ++this.frameCount;
    if (bytes.byteLength > this.limits.streamMaxFrameBytes) {
      return this.frameFailed(id, 'frame_too_large', `Frame of ${bytes.byteLength} bytes is larger than the ${this.limits.streamMaxFrameBytes} allowed (STREAM_MAX_FRAME_MB).`);
    }
    const format = sniffImageFormat(bytes);
    if (!format || !FRAME_FORMATS.has(format)) {
      return this.frameFailed(id, 'unsupported_format', `Frames must be JPEG or PNG images${format ? `, not ${format}` : ''}.`);
    }
    this.idleTimer.refresh();
    const frame = { id, bytes, arrivedAt: performance.now() };
    void this.settingsApplied.then(() => this.slot.offer(frame));
  }

  /** A `settings` message: the fields that change. Applies to every frame not yet started. */
  onSettings(change: unknown) {
    if (!this.admit()) return;
    this.settingsApplied = this.settingsApplied
      .then(async () => {
        const problem = await this.check(change);
        if (problem) this.send('error', { code: 'bad_settings', message: problem });
        else this.apply(change);
      })
      .catch((error: unknown) => {
        // Never an unhandled rejection (it would end the process): the stream goes on with its settings unchanged.
        logger.error(`Stream settings failed: ${(error as Error)?.stack ?? String(error)}`);
        this.send('error', { code: 'internal', message: 'Internal error while applying these settings; the stream goes on with its previous ones.' });
      });
  }

  /** Only frames and accepted settings keep a stream open: invalid messages do not hold its slot past the idle timeout. */
  private apply(checked: unknown) {
    this.idleTimer.refresh();
    const next = (applySettings(this.settings, checked) as { settings: StreamSettings }).settings;
    if (next.model !== this.settings.model) this.metrics.modelSwitched(this.settings.model, next.model);
    this.settings = next;
    this.sendSettings();
  }

  /** A text message that is not a known event, or not JSON. */
  onUnreadable(reason: string) {
    if (!this.admit()) return;
    this.send('error', { code: 'bad_message', message: reason });
  }

  /** What is wrong with a settings change (capped: it may quote the client's keys), or null. */
  async check(change: unknown): Promise<string | null> {
    const applied = applySettings(this.settings, change);
    if ('errors' in applied) return capEcho(applied.errors.join('; '), MAX_MESSAGE_CHARS);
    return this.detector.checkSettings(applied.settings.model, applied.settings.classes);
  }

  /** Counts a message against the rate limit; false when the stream was closed for it. */
  private admit(): boolean {
    if (this.closed) return false;
    const now = performance.now();
    const rate = this.limits.streamMaxMessagesPerSecond;
    this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens < 1) {
      this.close(CLOSE_CODES.tooManyMessages, `more than ${rate} messages per second`);
      return false;
    }
    this.tokens -= 1;
    return true;
  }

  /** Detects a frame and resolves with what answers it (its detections or its error), which the slot sends in frame order. */
  private async run(frame: Frame, signal: AbortSignal): Promise<() => void> {
    const { model } = this.settings;
    try {
      const outcome = await this.detector.detect(model, frame.bytes, toDetectOptions(this.settings), signal);
      const serverMs = performance.now() - frame.arrivedAt;
      const workMs = Object.values(outcome.timings).reduce((sum, ms) => sum + ms, 0);
      return () => {
        this.send('detections', {
          frame: frame.id,
          model,
          detections: outcome.detections,
          image: outcome.image,
          input: outcome.input,
          timings: presentTimings(outcome.timings).timings,
          wait_ms: round(Math.max(0, serverMs - workMs)),
          server_ms: round(serverMs),
          dropped: this.droppedCount,
        });
        this.metrics.frame(model, 'processed', serverMs);
      };
    } catch (error) {
      if (error instanceof FrameError) return () => this.frameFailed(frame.id, error.code, error.message, model);
      if (!signal.aborted) logger.error(`Stream frame ${frame.id} failed: ${(error as Error).stack ?? String(error)}`);
      return () => this.frameFailed(frame.id, 'internal', 'Internal error while detecting this frame; the stream goes on.', model);
    }
  }

  private drop(frame: Frame) {
    this.droppedCount++;
    this.metrics.frame(this.settings.model, 'dropped');
    this.send('dropped', { frame: frame.id, dropped: this.droppedCount });
  }

  private frameFailed(frame: number, code: StreamErrorCode, message: string, model = this.settings.model) {
    this.metrics.frame(model, 'failed');
    this.send('error', { code, message, frame });
  }

  private sendSettings() {
    const { streamMaxFrameBytes, streamMaxMessagesPerSecond, streamIdleTimeoutMs } = this.limits;
    this.send('settings', {
      settings: this.settings,
      limits: { max_frame_bytes: streamMaxFrameBytes, max_messages_per_second: streamMaxMessagesPerSecond, idle_timeout_ms: streamIdleTimeoutMs },
    });
  }

  /** The client has read its answers but for STREAM_MAX_UNREAD_KB: a frame may start, an answer may be queued. */
  private isReading(): boolean {
    return this.socket.bufferedAmount <= this.limits.streamMaxUnreadBytes;
  }

  /**
   * Every answer but a frame's detections is skipped while the client is not reading, so that its unread answers
   * stay within STREAM_MAX_UNREAD_KB (plus the one running frame's detections, which the slot bounds).
   */
  private send<E extends StreamEvent>(event: E, data: StreamMessages[E]) {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    if (event !== 'detections' && !this.isReading()) return this.metrics.answerSkipped(event);
    // Once the answer has left the send buffer, a frame held back for a slow reader may start.
    this.socket.send(JSON.stringify({ event, data }), () => this.slot.pump());
  }

  /** At shutdown: no new frame starts, the running one is answered, then the socket is closed with `code`. */
  async finishAndClose(code: number, reason: string) {
    await this.slot.finish();
    this.close(code, reason);
  }

  /** Closes the socket (when `code` is given) and frees the stream: its running frame is abandoned on its worker. */
  close(code?: number, reason?: string) {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.slot.close();
    this.metrics.streamClosed(this.settings.model);
    if (code !== undefined) this.socket.close(code, reason);
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
