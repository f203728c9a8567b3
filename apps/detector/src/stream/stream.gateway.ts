import { BeforeApplicationShutdown, Inject, Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import { STREAM_KEY_PARAM } from '../auth/api-keys';
import { DetectorConfig, detectorConfig } from '../config/detector-config';
import { StreamMetrics } from '../metrics/stream-metrics';
import { ShutdownService } from '../shutdown/shutdown.service';
import { FrameDetector } from './frame-detector';
import { CLOSE_CODES, STREAM_PATH } from './stream-protocol';
import { StreamSession } from './stream-session';
import { defaultStreamSettings } from './stream-settings.dto';
import { STREAM_EVENTS } from './stream-ws.adapter';

/** How long shutdown waits for the frames running on streams to be answered (a frame takes tens of ms to ~1 s). */
const RUNNING_FRAMES_WAIT_MS = 2000;
/** How long shutdown waits for clients to answer the close frame. */
const CLOSE_HANDSHAKE_MS = 1000;

/**
 * Live detection over WebSocket at /stream: each connection is one stream (StreamSession) with its settings from
 * the URL's query; binary messages are frames. Enforces the per-process stream limit.
 */
@WebSocketGateway({ path: STREAM_PATH })
export class StreamGateway implements OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown {
  private readonly logger = new Logger(StreamGateway.name);
  private readonly sessions = new Map<WebSocket, StreamSession>();

  constructor(
    @Inject(detectorConfig.KEY) private readonly config: DetectorConfig,
    private readonly detector: FrameDetector,
    private readonly metrics: StreamMetrics,
    private readonly shutdown: ShutdownService,
  ) {}

  handleConnection(socket: WebSocket, request: IncomingMessage) {
    const { config } = this;
    if (this.shutdown.isDraining) {
      socket.close(CLOSE_CODES.shuttingDown, 'server shutting down');
      return;
    }
    if (this.sessions.size >= config.streamMaxStreams) {
      socket.close(CLOSE_CODES.tooManyStreams, `${config.streamMaxStreams} streams already open (STREAM_MAX_STREAMS); try again later`);
      return;
    }
    // At once: Nest binds the message handlers as soon as this returns, and they look the session up.
    const session = new StreamSession(socket, defaultStreamSettings(this.detector.defaultModel(), config.inferenceSize), config, this.detector, this.metrics);
    this.sessions.set(socket, session);
    const query = new URL(request.url ?? '/', 'ws://stream').searchParams;
    query.delete(STREAM_KEY_PARAM); // the handshake checked it; it is no setting
    session.open(Object.fromEntries(query));
  }

  handleDisconnect(socket: WebSocket) {
    this.sessions.get(socket)?.close();
    this.sessions.delete(socket);
  }

  @SubscribeMessage(STREAM_EVENTS.frame)
  frame(@ConnectedSocket() socket: WebSocket, @MessageBody() bytes: Buffer) {
    this.sessions.get(socket)?.onFrame(bytes);
  }

  @SubscribeMessage(STREAM_EVENTS.settings)
  settings(@ConnectedSocket() socket: WebSocket, @MessageBody() change: unknown) {
    this.sessions.get(socket)?.onSettings(change);
  }

  @SubscribeMessage(STREAM_EVENTS.unreadable)
  unreadable(@ConnectedSocket() socket: WebSocket, @MessageBody() reason: string) {
    this.sessions.get(socket)?.onUnreadable(reason);
  }

  /**
   * Streams never end on their own: at shutdown each answers the frame it is running (in-flight work, like an HTTP
   * request's) and is then told to reconnect elsewhere (1001), before Nest's ws adapter terminates whatever is still
   * connected without a close frame.
   */
  async beforeApplicationShutdown() {
    if (this.sessions.size === 0) return;
    this.logger.log(`Closing ${this.sessions.size} stream(s): shutting down`);
    const sessions = [...this.sessions.values()];
    const closed = [...this.sessions.keys()].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
    const finished = sessions.map((session) => session.finishAndClose(CLOSE_CODES.shuttingDown, 'server shutting down'));
    await Promise.race([Promise.all(finished), sleep(RUNNING_FRAMES_WAIT_MS)]);
    // A frame still running past the wait is abandoned (its runner drops it or ends it before the threads stop).
    for (const session of sessions) session.close(CLOSE_CODES.shuttingDown, 'server shutting down');
    await Promise.race([Promise.all(closed), sleep(CLOSE_HANDSHAKE_MS)]);
  }
}
