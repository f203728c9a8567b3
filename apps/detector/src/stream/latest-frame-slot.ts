/** What a LatestFrameSlot does with its frames: run one, or tell that one was replaced before it ran. */
export interface FrameSlotHandlers<Frame> {
  /** Does a frame's work and resolves with what answers it; the slot calls the answers in frame order. */
  run(frame: Frame, signal: AbortSignal): Promise<() => void>;
  dropped(frame: Frame): void;
  /** False while the stream's client has not yet read earlier answers: the waiting frame then stays waiting. */
  canStart(): boolean;
}

/**
 * The real-time rule of one stream: at most `depth` frames run and one waits; a newer frame replaces the waiting one,
 * which is dropped. Memory per stream is therefore depth + 1 frames, whatever the client sends. Frames that run
 * together are answered in the order they arrived, whichever finishes first. Plain logic, no framework.
 */
export class LatestFrameSlot<Frame> {
  private readonly running = new Set<AbortController>();
  /** Settles once every started frame has been answered (or abandoned). */
  private answered: Promise<void> = Promise.resolve();
  private waiting: Frame | null = null;
  private closed = false;

  constructor(
    private readonly handlers: FrameSlotHandlers<Frame>,
    private readonly depth = 1,
  ) {}

  get busy(): boolean {
    return this.running.size > 0;
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

  /** Starts the waiting frame if fewer than `depth` run and the client keeps up; call again when either changes. */
  pump(): void {
    if (this.closed || this.running.size >= this.depth || this.waiting === null || !this.handlers.canStart()) return;
    const frame = this.waiting;
    this.waiting = null;
    const controller = new AbortController();
    this.running.add(controller);
    // run() reports its own errors; the slot only orders the answers and knows when a frame has ended.
    const work = this.handlers.run(frame, controller.signal).catch(() => () => undefined);
    const previous = this.answered;
    this.answered = (async () => {
      const answer = await work;
      await previous;
      if (!controller.signal.aborted) answer();
      this.running.delete(controller);
      this.pump();
    })();
  }

  /** Takes no more frames and forgets the waiting one; resolves once the running frames (if any) have been answered. */
  finish(): Promise<void> {
    this.closed = true;
    this.waiting = null;
    return this.answered;
  }

  /** The stream has ended: the running frames are abandoned (their workers are told) and the waiting one forgotten. */
  close(reason: unknown = new Error('stream closed')): void {
    this.closed = true;
    this.waiting = null;
    for (const controller of this.running) controller.abort(reason);
    this.running.clear();
  }
}
