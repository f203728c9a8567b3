import { LatestFrameSlot } from './latest-frame-slot';

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A slot whose runs finish only when the test says so (`finish(frame)`), and which records the answers sent. */
function harness(depth = 1) {
  const started: number[] = [];
  const dropped: number[] = [];
  const answered: number[] = [];
  const signals: AbortSignal[] = [];
  const finishers = new Map<number, () => void>();
  let clientKeepsUp = true;
  const slot = new LatestFrameSlot<number>(
    {
      run: (frame, signal) => {
        started.push(frame);
        signals.push(signal);
        return new Promise<() => void>((resolve) => finishers.set(frame, () => resolve(() => answered.push(frame))));
      },
      dropped: (frame) => dropped.push(frame),
      canStart: () => clientKeepsUp,
    },
    depth,
  );
  const finish = async (frame: number) => {
    finishers.get(frame)!();
    finishers.delete(frame);
    await settle();
  };
  return {
    slot,
    started,
    dropped,
    answered,
    signals,
    finish,
    finishNext: () => finish(finishers.keys().next().value!),
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
    await settle();
    expect(started).toEqual([1, 2]);
  });

  it('with depth 2, runs the next frame while one runs, keeps one waiting beyond them and drops what replaces it', async () => {
    const { slot, started, dropped, answered, finish } = harness(2);
    for (const frame of [1, 2, 3, 4]) slot.offer(frame);
    expect(started).toEqual([1, 2]);
    expect(dropped).toEqual([3]);
    await finish(1);
    expect(answered).toEqual([1]);
    expect(started).toEqual([1, 2, 4]);
    await finish(2);
    await finish(4);
    expect(answered).toEqual([1, 2, 4]);
    expect(slot.busy).toBe(false);
  });

  it('answers frames in arrival order when a later one finishes first, and starts the next only once a place is free', async () => {
    const { slot, started, answered, finish } = harness(2);
    for (const frame of [1, 2, 3]) slot.offer(frame);
    await finish(2);
    expect(answered).toEqual([]);
    // Frame 2 is done but holds its place until it is answered, after frame 1.
    expect(started).toEqual([1, 2]);
    await finish(1);
    expect(answered).toEqual([1, 2]);
    expect(started).toEqual([1, 2, 3]);
  });

  it('with depth 2, closing aborts every running frame and sends none of their answers', async () => {
    const { slot, signals, answered, finish } = harness(2);
    slot.offer(1);
    slot.offer(2);
    slot.close();
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true]);
    await finish(1);
    await finish(2);
    expect(answered).toEqual([]);
  });

  it('finishes (shutdown): takes no more frames, forgets the waiting one, and resolves once the running frame ends, unaborted', async () => {
    const { slot, started, signals, finishNext } = harness();
    slot.offer(1);
    slot.offer(2);
    let finished = false;
    const done = slot.finish().then(() => (finished = true));
    slot.offer(3);
    await settle();
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
