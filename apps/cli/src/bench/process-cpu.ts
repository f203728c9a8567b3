import { readFileSync } from 'node:fs';

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times (fixed at 100 for user space). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time a process has used so far, user + system over all its threads, in milliseconds (10 ms resolution). */
export function processCpuMs(pid: number): number {
  // utime and stime are fields 14 and 15; count after the parenthesised command name, which may contain spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
