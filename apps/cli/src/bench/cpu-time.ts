import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Reads a process's CPU time so far (user + system, all its threads), in milliseconds. */
export type CpuClock = () => number;

let clockTicksPerSecond: number | undefined;
/** USER_HZ, the unit of /proc's CPU times. */
const clockTicks = () => (clockTicksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()));

/** CPU time another process has used so far (utime + stime of /proc/<pid>/stat), in ms; 10 ms resolution. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may contain spaces: the fields are counted after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // stat(5) numbers the fields from 1: utime is the 14th and stime the 15th, the name's the 2nd.
  return ((Number(fields[14 - 3]) + Number(fields[15 - 3])) * 1000) / clockTicks();
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
