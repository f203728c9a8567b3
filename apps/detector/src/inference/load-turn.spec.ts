import { inLoadTurn } from './load-turn';

const turn = () => new Int32Array(new SharedArrayBuffer(4));
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('inLoadTurn', () => {
  it('runs loads sharing a turn one after another, in the order they asked', async () => {
    const shared = turn();
    const events: string[] = [];
    const load = (name: string) => inLoadTurn(shared, async () => {
      events.push(`${name} start`);
      await tick(20);
      events.push(`${name} end`);
      return name;
    });
    expect(await Promise.all([load('s'), load('m'), load('l')])).toEqual(['s', 'm', 'l']);
    expect(events).toEqual(['s start', 's end', 'm start', 'm end', 'l start', 'l end']);
    expect(Atomics.load(shared, 0)).toBe(0);
  });

  it('frees the turn when a load fails', async () => {
    const shared = turn();
    await expect(inLoadTurn(shared, async () => { throw new Error('broken file'); })).rejects.toThrow('broken file');
    expect(await inLoadTurn(shared, async () => 'next')).toBe('next');
  });

  it('goes ahead after maxWaitMs when the turn is never freed, and leaves the holder its turn', async () => {
    const shared = turn();
    Atomics.store(shared, 0, 1);
    const started = Date.now();
    expect(await inLoadTurn(shared, async () => 'anyway', 50)).toBe('anyway');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(Atomics.load(shared, 0)).toBe(1);
  });
});
