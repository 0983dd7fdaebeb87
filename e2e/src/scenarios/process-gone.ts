import { existsSync } from 'node:fs';

/** True when no process with this pid exists any more (signal 0 probes without sending anything). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function dirGone(path: string): boolean {
  return !existsSync(path);
}
