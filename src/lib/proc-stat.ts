// A process's /proc/<pid>/stat (Linux): "pid (comm) state ppid ...". comm may hold spaces and
// parentheses, so the fields are read from after its last ')'.
import fs from 'node:fs';

/** The fields after comm (0: the state letter, 11: utime, 12: stime); throws if the process or /proc is not there. */
function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The process's state letter (R, S, D, Z, ...). */
export function processState(pid: number): string {
  return statFields(pid)[0]!;
}

/** CPU time the process has used (user + system, all threads), ms: 100 clock ticks a second. */
export function processCpuMs(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
