import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { INFERENCE_THREAD_NICE } from './thread-priority';

const threadPriorityModule = JSON.stringify(require.resolve('./thread-priority'));

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

/**
 * In a process of its own (it changes process-wide threads): starts libuv's pool with a file read, lowers the
 * background threads, and reports the nice value of each thread by name.
 */
function backgroundThreadsInChildProcess(): { changed: number; mainThread: number; nice: Record<string, number[]> } {
  const script = `
    require('ts-node').register({ transpileOnly: true });
    const { readdirSync, readFileSync, promises } = require('node:fs');
    const { getPriority } = require('node:os');
    const { lowerBackgroundThreadsPriority } = require(${threadPriorityModule});
    promises.readFile(__filename).catch(() => undefined).finally(() => {
      const changed = lowerBackgroundThreadsPriority();
      const nice = {};
      for (const task of readdirSync('/proc/self/task')) {
        const name = readFileSync('/proc/self/task/' + task + '/comm', 'utf8').trim();
        (nice[name] ??= []).push(getPriority(Number(task)));
      }
      process.stdout.write(JSON.stringify({ changed, mainThread: getPriority(process.pid), nice }));
    });
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

(linux ? describe : describe.skip)('lowerBackgroundThreadsPriority (Linux)', () => {
  it("lowers libuv's pool threads, where sharp decodes, and V8's workers, and leaves the main thread alone", () => {
    const mainThreadNice = getPriority(process.pid);
    const { changed, mainThread, nice } = backgroundThreadsInChildProcess();
    const expected = Math.max(mainThreadNice, INFERENCE_THREAD_NICE);
    const lowered = [...nice['libuv-worker'], ...nice['V8Worker']];
    expect(nice['libuv-worker'].length).toBeGreaterThan(0);
    expect(nice['V8Worker'].length).toBeGreaterThan(0);
    expect(lowered.every((value) => value === expected)).toBe(true);
    expect(changed).toBe(mainThreadNice < INFERENCE_THREAD_NICE ? lowered.length : 0);
    expect(mainThread).toBe(mainThreadNice);
  }, 30_000);
});
