import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { ownCpuClock, processCpuClock, processCpuMs, threadRoleCpuMs, threadRoleCpuSpent, withCpuTime } from './cpu-time';

/** Burns `ms` of this thread's own CPU time (not wall time: the machine may be busy; not the process's: other threads run). */
function burnCpu(ms: number) {
  const threadMs = () => {
    const { user, system } = process.threadCpuUsage();
    return (user + system) / 1000;
  };
  const until = threadMs() + ms;
  while (threadMs() < until);
}

describe('CPU time of a process', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill();
    child = undefined;
  });

  it("counts what every thread of this process burns, not the time it waits", () => {
    // In a fresh process: this Jest worker may still host threads of earlier suites, and the clock rightly counts every
    // thread of its process. Node 24 strips the module's types itself (it has annotations only and imports node: only).
    const printed = execFileSync(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        '-e',
        `const { ownCpuClock, withCpuTime } = require(${JSON.stringify(require.resolve('./cpu-time'))});
         const { Worker } = require('node:worker_threads');
         const { once } = require('node:events');
         const burn = \`const t = () => { const u = process.threadCpuUsage(); return (u.user + u.system) / 1000; };
                       const until = t() + 200; while (t() < until);\`;
         (async () => {
           const main = await withCpuTime(ownCpuClock, async () => eval(burn));
           const worker = await withCpuTime(ownCpuClock, () => once(new Worker(burn, { eval: true }), 'exit'));
           const idle = await withCpuTime(ownCpuClock, () => new Promise((resolve) => setTimeout(resolve, 300)));
           process.stdout.write(JSON.stringify({ main: main.cpuMs, worker: worker.cpuMs, idle: idle.cpuMs }));
         })();`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const { main, worker, idle } = JSON.parse(printed) as Record<string, number>;
    expect(main).toBeGreaterThanOrEqual(200);
    expect(main).toBeLessThan(400);
    // The worker's 200 ms on its own thread, plus its start and exit.
    expect(worker).toBeGreaterThanOrEqual(200);
    expect(worker).toBeLessThan(600);
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
    // Node names a worker's OS thread WorkerThread: it burns 300 ms of its own thread's CPU, then waits.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const t = () => { const u = process.threadCpuUsage(); return (u.user + u.system) / 1000; };
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
