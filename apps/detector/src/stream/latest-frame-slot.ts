/** What a LatestFrameSlot does with its frames: run one, or tell that one was replaced before it ran. */
export interface FrameSlotHandlers<Frame> {
  run(frame: Frame, signal: AbortSignal): Promise<void>;
  dropped(frame: Frame): void;
  /** False while the stream's client has not yet read earlier answers: the waiting frame then stays waiting. */
  canStart(): boolean;
}

/**
 * The real-time rule of one stream: at most one frame runs and one waits; a newer frame replaces the waiting one,
 * which is dropped. Memory per stream is therefore two frames, whatever the client sends. Plain logic, no framework.
 */
export class LatestFrameSlot<Frame> {
  private running: AbortController | null = null;
  /** Settles when the running frame's run() has ended (whatever it answered). */
  private runEnded: Promise<void> = Promise.resolve();
  private waiting: Frame | null = null;
  private closed = false;

  constructor(private readonly handlers: FrameSlotHandlers<Frame>) {}

  get busy(): boolean {
    return this.running !== null;
  }

  get hasWaiting(): boolean {
    return this.waiting !== null;
  }

  offer(frame: Frame): void {
    if (this.closed) return;
    if (this.waiting !== null) this.handlers.dropped(this.waiting);
    this.waiting = frame;
    this.pump();
  }

  /** Starts the waiting frame if nothing runs and the client keeps up; call again when either changes. */
  pump(): void {
    if (this.closed || this.running || this.waiting === null || !this.handlers.canStart()) return;
    const frame = this.waiting;
    this.waiting = null;
    const controller = new AbortController();
    this.running = controller;
    // run() reports its own errors; the slot only needs to know it has ended.
    this.runEnded = this.handlers
      .run(frame, controller.signal)
      .catch(() => undefined)
      .finally(() => {
        if (this.running === controller) this.running = null;
        this.pump();
      });
  }

  /** Takes no more frames and forgets the waiting one; resolves once the running frame (if any) has been answered. */
  finish(): Promise<void> {
    this.closed = true;
    this.waiting = null;
    return this.runEnded;
  }

  /** The stream has ended: the running frame is abandoned (its worker is told) and the waiting one forgotten. */
  close(reason: unknown = new Error('stream closed')): void {
    this.closed = true;
    this.waiting = null;
    this.running?.abort(reason);
    this.running = null;
  }
}
