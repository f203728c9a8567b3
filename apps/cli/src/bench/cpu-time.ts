import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Reads a process's CPU time so far (user + system, all its threads), in milliseconds. */
export type CpuClock = () => number;

let clockTicksPerSecond: number | undefined;
/** USER_HZ, the unit of /proc's CPU times. */
const clockTicks = () => (clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()));

/** The name and CPU time (utime + stime, ms) of a /proc stat line: a process's or one of its threads'. */
function parseStat(stat: string): { name: string; cpuMs: number } {
  // The command name is in parentheses and may contain spaces: the fields are counted after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // stat(5) numbers the fields from 1: utime is the 14th and stime the 15th, the name's the 2nd.
  return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpuMs: ((Number(fields[14 - 3]) + Number(fields[15 - 3])) * 1000) / clockTicks() };
}

/** CPU time another process has used so far (utime + stime of /proc/<pid>/stat), in ms; 10 ms resolution. */
export function processCpuMs(pid: number): number {
  return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuMs;
}

/**
 * What each kind of thread of a Node process does, by the name the thread carries: the service's HTTP thread is the
 * main one; runner threads and the ONNX Runtime threads they start are Node workers; libvips decodes on threads of
 * its own, started from libuv's pool; V8's platform threads do the garbage collectors' parallel and concurrent work.
 */
export const THREAD_ROLES = {
  MainThread: 'HTTP thread',
  WorkerThread: 'runners and ONNX Runtime',
  'libvips worker': 'image decoding',
  'libuv-worker': 'image decoding',
  V8Worker: 'garbage collection',
} as const;
export type ThreadRole = (typeof THREAD_ROLES)[keyof typeof THREAD_ROLES] | 'other';

/** CPU time so far of a process's living threads, summed by role (THREAD_ROLES); a thread that has exited is not counted. */
export function threadRoleCpuMs(pid: number): Map<ThreadRole, number> {
  const byRole = new Map<ThreadRole, number>();
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
    } catch {
      continue; // exited between the listing and the read
    }
    const { name, cpuMs } = parseStat(stat);
    const role: ThreadRole = THREAD_ROLES[name as keyof typeof THREAD_ROLES] ?? 'other';
    byRole.set(role, (byRole.get(role) ?? 0) + cpuMs);
  }
  return byRole;
}

/** Per role, the CPU time spent between two `threadRoleCpuMs` readings. */
export function threadRoleCpuSpent(before: ReadonlyMap<ThreadRole, number>, after: ReadonlyMap<ThreadRole, number>): Map<ThreadRole, number> {
  return new Map([...after].map(([role, ms]) => [role, ms - (before.get(role) ?? 0)]));
}

export const processCpuClock =
  (pid: number): CpuClock =>
  () =>
    processCpuMs(pid);

/** This process's CPU time, microsecond resolution (getrusage). */
export const ownCpuClock: CpuClock = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Runs `work` and reports the CPU milliseconds `clock`'s process spent meanwhile. */
export async function withCpuTime<T>(clock: CpuClock, work: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = clock();
  const result = await work();
  return { result, cpuMs: clock() - before };
}
