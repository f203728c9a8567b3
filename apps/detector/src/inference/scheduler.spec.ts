import { RequestRefusedError } from './request-refused.error';
import { Scheduler } from './scheduler';

/** A task that runs until the test ends it; records when it started and whether its signal aborted. */
function controllable() {
  const events: string[] = [];
  const tasks = new Map<string, { finish: (value: string) => void; signal: AbortSignal }>();
  const task = (id: string) => (signal: AbortSignal) =>
    new Promise<string>((resolve) => {
      events.push(`start ${id}`);
      tasks.set(id, { finish: resolve, signal });
    });
  const finish = async (id: string) => {
    tasks.get(id)!.finish(id);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { events, task, finish, signalOf: (id: string) => tasks.get(id)!.signal };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const options = { queueDepth: 2, timeoutMs: 10_000, retryAfterSeconds: 3 };

describe('Scheduler', () => {
  it('runs up to capacity per model and queues the rest in order', async () => {
    const scheduler = new Scheduler(options);
    const { events, task, finish } = controllable();
    const answers = ['a', 'b', 'c'].map((id) => scheduler.schedule('yolov5s', 1, task(id)));
    await settle();
    expect(events).toEqual(['start a']);
    expect(scheduler.stats()).toEqual([{ model: 'yolov5s', queued: 2, running: 1, capacity: 1 }]);
    await finish('a');
    expect(events).toEqual(['start a', 'start b']);
    await finish('b');
    await finish('c');
    expect((await Promise.all(answers)).map(({ result }) => result)).toEqual(['a', 'b', 'c']);
  });

  it("is fair across models: a yolov5s request waits behind its own queue only, never behind a yolov5l burst", async () => {
    const scheduler = new Scheduler({ ...options, queueDepth: 16 });
    const { events, task, finish } = controllable();
    const burst = Array.from({ length: 10 }, (_, i) => scheduler.schedule('yolov5l', 1, task(`l${i}`)));
    await settle();
    const small = scheduler.schedule('yolov5s', 1, task('s'));
    await settle();
    // yolov5s started at once although nine yolov5l requests are still waiting.
    expect(events).toEqual(['start l0', 'start s']);
    await finish('s');
    expect((await small).result).toBe('s');
    for (let i = 0; i < 10; i++) await finish(`l${i}`);
    expect(await Promise.all(burst)).toHaveLength(10);
  });

  it('answers 503 + Retry-After when the model\'s queue is full, without touching the other models', async () => {
    const scheduler = new Scheduler(options);
    const { task, finish } = controllable();
    const accepted = ['a', 'b', 'c'].map((id) => scheduler.schedule('yolov5l', 1, task(id)));
    const refused = await scheduler.schedule('yolov5l', 1, task('d')).catch((error: RequestRefusedError) => error);
    expect(refused).toBeInstanceOf(RequestRefusedError);
    expect(refused).toMatchObject({ reason: 'queue_full', retryAfterSeconds: 3 });
    expect(scheduler.isSaturated()).toBe(true);
    const other = scheduler.schedule('yolov5s', 1, task('s'));
    expect(scheduler.isSaturated()).toBe(false);
    await settle();
    await finish('s');
    await other;
    for (const id of ['a', 'b', 'c']) await finish(id);
    await Promise.all(accepted);
  });

  it('answers 504 at the deadline and cancels the running task, whose slot stays taken until it ends', async () => {
    const scheduler = new Scheduler({ ...options, timeoutMs: 50 });
    const { events, task, finish, signalOf } = controllable();
    const slow = scheduler.schedule('yolov5s', 1, task('slow')).catch((error: RequestRefusedError) => error);
    expect(await slow).toMatchObject({ reason: 'timeout' });
    expect(signalOf('slow').aborted).toBe(true);
    const queued = scheduler.schedule('yolov5s', 1, task('next'));
    await settle();
    expect(events).toEqual(['start slow']);
    await finish('slow');
    expect(events).toEqual(['start slow', 'start next']);
    await finish('next');
    await expect(queued).resolves.toMatchObject({ result: 'next' });
  });

  it('a deadline that passes in the queue is a 504 and the task never starts', async () => {
    const scheduler = new Scheduler({ ...options, timeoutMs: 50 });
    const { events, task, finish } = controllable();
    const first = scheduler.schedule('yolov5s', 1, task('first')).catch(() => undefined);
    const waiting = await scheduler.schedule('yolov5s', 1, task('waiting')).catch((error: RequestRefusedError) => error);
    expect(waiting).toMatchObject({ reason: 'timeout' });
    await finish('first');
    await first;
    expect(events).toEqual(['start first']);
  });

  it("cancellation: a caller that aborts in the queue is dropped with its signal's reason", async () => {
    const scheduler = new Scheduler(options);
    const { events, task, finish } = controllable();
    const running = scheduler.schedule('yolov5s', 1, task('running'));
    const client = new AbortController();
    const gone = scheduler.schedule('yolov5s', 1, task('gone'), client.signal).catch((error: RequestRefusedError) => error);
    await settle();
    client.abort(new RequestRefusedError('client_closed', 'gone'));
    expect(await gone).toMatchObject({ reason: 'client_closed' });
    expect(scheduler.stats()[0]).toMatchObject({ queued: 0, running: 1 });
    await finish('running');
    await running;
    expect(events).toEqual(['start running']);
  });

  it('close() refuses the waiting requests and new ones with shutting_down', async () => {
    const scheduler = new Scheduler(options);
    const { task, finish } = controllable();
    const running = scheduler.schedule('yolov5s', 1, task('running'));
    const waiting = scheduler.schedule('yolov5s', 1, task('waiting')).catch((error: RequestRefusedError) => error);
    scheduler.close();
    expect(await waiting).toMatchObject({ reason: 'shutting_down' });
    await expect(scheduler.schedule('yolov5m', 1, task('late'))).rejects.toMatchObject({ reason: 'shutting_down' });
    await finish('running');
    await expect(running).resolves.toMatchObject({ result: 'running' });
  });
});
