import { Worker } from 'node:worker_threads';
import { processCpuMs } from './process-cpu';

/** A worker thread that spins until the process has used `ms` more CPU time (whatever the machine's load). */
const busyWorker = (ms: number) =>
  new Promise<void>((resolve, reject) => {
    const spin = `const start = process.cpuUsage(); const used = () => { const u = process.cpuUsage(start); return (u.user + u.system) / 1000; }; while (used() < ${ms});`;
    const worker = new Worker(spin, { eval: true });
    worker.once('exit', () => resolve());
    worker.once('error', reject);
  });

describe('processCpuMs', () => {
  it("reads this process's CPU time, worker threads included, as process.cpuUsage counts it", async () => {
    const before = { proc: processCpuMs(process.pid), usage: process.cpuUsage() };
    await busyWorker(300);
    const usedMs = (process.cpuUsage(before.usage).user + process.cpuUsage(before.usage).system) / 1000;
    const procMs = processCpuMs(process.pid) - before.proc;
    expect(usedMs).toBeGreaterThan(250);
    // Ticks of 10 ms on each side of the interval, and the few ms between the two readings.
    expect(Math.abs(procMs - usedMs)).toBeLessThan(40);
  });
});
