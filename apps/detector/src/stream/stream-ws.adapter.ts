import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';

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

/**
 * NestJS's ws adapter with the stream protocol's parser and a cap on message size: ws itself closes a stream (1009)
 * whose message exceeds `maxPayload`, before buffering it whole.
 */
export class StreamWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly maxPayload: number,
  ) {
    super(app, { messageParser: parseStreamMessage });
  }

  create(port: number, options: Record<string, unknown> & { path?: string } = {}) {
    return super.create(port, { ...options, maxPayload: this.maxPayload });
  }
}
