import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { ownCpuClock, processCpuClock, processCpuMs, threadRoleCpuMs, threadRoleCpuSpent, withCpuTime } from './cpu-time';

/** Burns `ms` of this thread's CPU time (not wall time: the machine may be busy). */
function burnCpu(ms: number) {
  const { user, system } = process.cpuUsage();
  const until = (user + system) / 1000 + ms;
  while (ownCpuClock() < until);
}

describe('CPU time of a process', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill();
    child = undefined;
  });

  it('counts what work burns in this process, not the time it waits', () => {
    // In a fresh process: this Jest worker may still host threads of earlier suites (ONNX Runtime's spinning pool),
    // and the clock rightly counts every thread of its process. Node 24 loads the module's TypeScript itself.
    const printed = execFileSync(
      process.execPath,
      [
        '-e',
        `const { ownCpuClock, withCpuTime } = require(${JSON.stringify(require.resolve('./cpu-time'))});
         (async () => {
           const busy = await withCpuTime(ownCpuClock, async () => { const until = ownCpuClock() + 200; while (ownCpuClock() < until); });
           const idle = await withCpuTime(ownCpuClock, () => new Promise((resolve) => setTimeout(resolve, 300)));
           process.stdout.write(JSON.stringify({ busy: busy.cpuMs, idle: idle.cpuMs }));
         })();`,
      ],
      { encoding: 'utf8' },
    );
    const { busy, idle } = JSON.parse(printed) as { busy: number; idle: number };
    expect(busy).toBeGreaterThanOrEqual(200);
    expect(busy).toBeLessThan(400);
    expect(idle).toBeLessThan(100);
  });

  it('reads another process from /proc: all the CPU it burned, and nothing while it sleeps', async () => {
    // The child burns 400 ms of CPU, says so, then sleeps until killed.
    child = spawn(process.execPath, [
      '-e',
      `const t = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
       const until = t() + 400; while (t() < until);
       process.stdout.write(String(t()) + '\\n'); setInterval(() => {}, 1000);`,
    ]);
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const ownCount = Number(line.toString());
    const fromProc = processCpuClock(child.pid!)();
    // /proc counts in ticks of 10 ms.
    expect(Math.abs(fromProc - ownCount)).toBeLessThanOrEqual(20);
    const asleep = await withCpuTime(processCpuClock(child.pid!), () => new Promise((resolve) => setTimeout(resolve, 300)));
    expect(asleep.cpuMs).toBeLessThanOrEqual(20);
  });

  it('agrees with getrusage for this process', () => {
    burnCpu(100);
    expect(Math.abs(processCpuMs(process.pid) - ownCpuClock())).toBeLessThanOrEqual(20);
  });
});

describe('CPU time by thread role', () => {
  it("puts a worker thread's work under the runners and the rest of the process's under the HTTP thread", async () => {
    const { Worker } = await import('node:worker_threads');
    const before = threadRoleCpuMs(process.pid);
    // Node names a worker's OS thread WorkerThread: it burns 300 ms of its own CPU, then exits.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const t = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
       const until = t() + 300; while (t() < until); parentPort.postMessage('done');
       setInterval(() => {}, 1000);`,
      { eval: true },
    );
    await once(worker, 'message');
    burnCpu(200);
    const spent = threadRoleCpuSpent(before, threadRoleCpuMs(process.pid));
    await worker.terminate();
    expect(spent.get('runners and ONNX Runtime')).toBeGreaterThanOrEqual(250);
    expect(spent.get('runners and ONNX Runtime')).toBeLessThan(700);
    expect(spent.get('HTTP thread')).toBeGreaterThanOrEqual(180);
  });
});
