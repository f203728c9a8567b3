import { existsSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { INFERENCE_THREAD_NICE } from './thread-priority';

const linux = existsSync('/proc/thread-self');

/** Runs lowerThisThreadPriority in a worker thread; reports its own nice and that of a thread it starts afterwards. */
function inWorker(): Promise<{ lowered: boolean; own: number; child: number }> {
  const worker = new Worker(
    `
    require('ts-node').register({ transpileOnly: true });
    const { readlinkSync } = require('node:fs');
    const { getPriority } = require('node:os');
    const { Worker, parentPort } = require('node:worker_threads');
    const { lowerThisThreadPriority } = require(${JSON.stringify(require.resolve('./thread-priority'))});
    const tid = () => Number(readlinkSync('/proc/thread-self').split('/').pop());
    const lowered = lowerThisThreadPriority();
    const own = getPriority(tid());
    const child = new Worker("const { parentPort } = require('node:worker_threads'); const { readlinkSync } = require('node:fs'); parentPort.postMessage(require('node:os').getPriority(Number(readlinkSync('/proc/thread-self').split('/').pop())));", { eval: true });
    child.once('message', (nice) => { parentPort.postMessage({ lowered, own, child: nice }); child.terminate(); });
    `,
    { eval: true },
  );
  return new Promise((resolve, reject) => {
    worker.once('message', (message) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

(linux ? describe : describe.skip)('lowerThisThreadPriority (Linux)', () => {
  it('lowers the calling thread and the threads it starts, not the process', async () => {
    const before = getPriority(process.pid);
    const result = await inWorker();
    const expected = Math.max(before, INFERENCE_THREAD_NICE);
    expect(result).toEqual({ lowered: true, own: expected, child: expected });
    expect(getPriority(process.pid)).toBe(before);
  }, 30_000);
});
