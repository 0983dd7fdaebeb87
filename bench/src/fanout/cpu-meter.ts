/** CPU time used by the parts of the benchmark, to show what the machine's cores can and cannot do. */
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // CLK_TCK is 100 on Linux

/** CPU time (user + system) a process has used so far, from /proc/<pid>/stat; 0 when it cannot be read. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU time this process (the control plane's pipeline and publisher here) has used so far. */
export function ownCpuMs(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}
