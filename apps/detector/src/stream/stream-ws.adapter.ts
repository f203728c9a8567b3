import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { selectStreamProtocol } from '../auth/api-keys';

/** The gateway's internal events: binary messages are frames, text messages name their event. */
export const STREAM_EVENTS = { frame: 'frame', settings: 'settings', unreadable: 'unreadable' } as const;

type WsData = string | Buffer | ArrayBuffer | Buffer[];

/**
 * Routes a WebSocket message to the stream gateway's handlers: a binary message is a frame; a text message must be
 * `{"event": "settings", "data": {...}}`. Anything else goes to the `unreadable` handler, which answers with an error
 * (NestJS's WsAdapter would otherwise drop it without a word).
 */
export function parseStreamMessage(data: WsData): { event: string; data: unknown } {
  if (typeof data !== 'string') {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    return { event: STREAM_EVENTS.frame, data: bytes };
  }
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return { event: STREAM_EVENTS.unreadable, data: 'Text messages must be JSON: {"event": "settings", "data": {...}}; frames are binary messages.' };
  }
  const event = (message as { event?: unknown } | null)?.event;
  if (event === STREAM_EVENTS.settings) return { event, data: (message as { data?: unknown }).data };
  return { event: STREAM_EVENTS.unreadable, data: `Unknown event ${JSON.stringify(event ?? null)}: the only text message is {"event": "settings", "data": {...}}; frames are binary messages.` };
}

/** Why a WebSocket handshake is refused: the HTTP answer sent instead of the upgrade. */
export interface HandshakeRefusal {
  status: number;
  detail: string;
  headers?: Record<string, string>;
}

/** One check of an upgrade request, before the stream exists: a refusal, or undefined to let it through. */
export type HandshakeCheck = (request: IncomingMessage) => HandshakeRefusal | undefined;

/** ws's verifyClient hook running the checks in order; the first refusal answers in the service's JSON error format. */
export function verifyHandshake(checks: readonly HandshakeCheck[]) {
  return ({ req }: { req: IncomingMessage }, callback: (accepted: boolean, status?: number, body?: string, headers?: Record<string, string>) => void) => {
    const refusal = checks.map((check) => check(req)).find((outcome) => outcome !== undefined);
    if (!refusal) return callback(true);
    const body = JSON.stringify({ statusCode: refusal.status, error: STATUS_CODES[refusal.status], detail: refusal.detail });
    callback(false, refusal.status, body, { 'Content-Type': 'application/json; charset=utf-8', ...refusal.headers });
  };
}

/**
 * NestJS's ws adapter with the stream protocol's parser, the handshake checks, a subprotocol choice that never echoes
 * a key, and a cap on message size: ws itself closes a stream (1009) whose message exceeds `maxPayload`, before
 * buffering it whole.
 */
export class StreamWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly maxPayload: number,
    private readonly handshakeChecks: readonly HandshakeCheck[] = [],
  ) {
    super(app, { messageParser: parseStreamMessage });
  }

  create(port: number, options: Record<string, unknown> & { path?: string } = {}) {
    return super.create(port, { ...options, maxPayload: this.maxPayload, verifyClient: verifyHandshake(this.handshakeChecks), handleProtocols: selectStreamProtocol });
  }
}
