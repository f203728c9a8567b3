import { LatestFrameSlot } from './latest-frame-slot';

/** A slot whose runs finish only when the test says so. */
function harness() {
  const started: number[] = [];
  const dropped: number[] = [];
  const signals: AbortSignal[] = [];
  const finish: (() => void)[] = [];
  let clientKeepsUp = true;
  const slot = new LatestFrameSlot<number>({
    run: (frame, signal) => {
      started.push(frame);
      signals.push(signal);
      return new Promise<void>((resolve) => finish.push(resolve));
    },
    dropped: (frame) => dropped.push(frame),
    canStart: () => clientKeepsUp,
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    slot,
    started,
    dropped,
    signals,
    finishNext: async () => {
      finish.shift()!();
      await settle();
    },
    setClientKeepsUp: (value: boolean) => (clientKeepsUp = value),
  };
}

describe('LatestFrameSlot', () => {
  it('runs one frame at a time, keeps only the newest waiting frame and drops the ones it replaced, in order', async () => {
    const { slot, started, dropped, finishNext } = harness();
    for (const frame of [1, 2, 3, 4]) slot.offer(frame);
    expect(started).toEqual([1]);
    expect(dropped).toEqual([2, 3]);
    expect(slot.hasWaiting).toBe(true);
    await finishNext();
    expect(started).toEqual([1, 4]);
    await finishNext();
    expect(slot.busy).toBe(false);
    slot.offer(5);
    expect(started).toEqual([1, 4, 5]);
  });

  it('keeps a frame waiting while the client has not read earlier answers, and starts it on the next pump', async () => {
    const { slot, started, setClientKeepsUp } = harness();
    setClientKeepsUp(false);
    slot.offer(1);
    expect(started).toEqual([]);
    setClientKeepsUp(true);
    slot.pump();
    expect(started).toEqual([1]);
  });

  it('aborts the running frame and forgets the waiting one when closed', async () => {
    const { slot, started, signals, finishNext } = harness();
    slot.offer(1);
    slot.offer(2);
    slot.close();
    expect(signals[0].aborted).toBe(true);
    await finishNext();
    slot.offer(3);
    expect(started).toEqual([1]);
  });

  it('goes on after a run fails', async () => {
    const started: number[] = [];
    const slot = new LatestFrameSlot<number>({ run: async (frame) => { started.push(frame); throw new Error('bad frame'); }, dropped: () => undefined, canStart: () => true });
    slot.offer(1);
    slot.offer(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2]);
  });

  it('finishes (shutdown): takes no more frames, forgets the waiting one, and resolves once the running frame ends, unaborted', async () => {
    const { slot, started, signals, finishNext } = harness();
    slot.offer(1);
    slot.offer(2);
    let finished = false;
    const done = slot.finish().then(() => (finished = true));
    slot.offer(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);
    await finishNext();
    await done;
    expect(started).toEqual([1]);
    expect(signals[0].aborted).toBe(false);
    expect(slot.hasWaiting).toBe(false);
  });

  it('finishes at once when no frame runs', async () => {
    const { slot } = harness();
    await expect(slot.finish()).resolves.toBeUndefined();
  });
});
