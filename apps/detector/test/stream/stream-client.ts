import WebSocket from 'ws';

/** A message from /stream, as the tests read it. */
export interface StreamMessage {
  event: 'settings' | 'detections' | 'dropped' | 'error';
  data: {
    frame?: number;
    model?: string;
    code?: string;
    message?: string;
    dropped?: number;
    detections?: { x_min: number; y_min: number; x_max: number; y_max: number; class_name: string; confidence: number }[];
    timings?: Record<string, number>;
    input?: { width: number; height: number };
    wait_ms?: number;
    server_ms?: number;
    settings?: Record<string, unknown>;
  };
}

/** A Node client of /stream that records every message and the close, and lets a test wait for either. */
export class StreamClient {
  readonly messages: StreamMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.messages.push(JSON.parse(data.toString()) as StreamMessage);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** Opens `/stream?query` and waits for the stream's first message (its settings, or an error before a close). */
  static async open(baseUrl: string, query: Record<string, string> = {}): Promise<StreamClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/stream?${new URLSearchParams(query)}`;
    const client = new StreamClient(new WebSocket(url));
    await client.until(() => client.messages.length > 0 || client.closed !== null);
    return client;
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once `condition` holds (checked after every message), or fails after `timeoutMs`. */
  async until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out; messages so far: ${JSON.stringify(this.messages.slice(-5)).slice(0, 2000)}; closed: ${JSON.stringify(this.closed)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  of(event: StreamMessage['event']): StreamMessage['data'][] {
    return this.messages.filter((message) => message.event === event).map((message) => message.data);
  }

  /** The answer (detections or error) to frame `id`. */
  async answerTo(id: number): Promise<StreamMessage> {
    const answer = () => this.messages.find((message) => (message.event === 'detections' || message.event === 'error') && message.data.frame === id);
    await this.until(() => answer() !== undefined || this.closed !== null);
    const found = answer();
    if (!found) throw new Error(`stream closed (${JSON.stringify(this.closed)}) before frame ${id} was answered`);
    return found;
  }

  /** Sends a settings message and waits for the stream's next settings or error message. */
  async changeSettings(change: Record<string, unknown>): Promise<StreamMessage> {
    const before = this.messages.length;
    this.socket.send(JSON.stringify({ event: 'settings', data: change }));
    await this.until(() => this.messages.slice(before).some((message) => message.event === 'settings' || (message.event === 'error' && message.data.frame === undefined)));
    return this.messages.slice(before).find((message) => message.event === 'settings' || message.event === 'error')!;
  }

  send(data: Buffer | string) {
    this.socket.send(data);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.close();
    await this.until(() => this.closed !== null);
  }
}
