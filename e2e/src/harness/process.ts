import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';

export class ServerExitedError extends Error {
  override readonly name = 'ServerExitedError';
}

export interface ServerProcessOptions {
  /** Shown in errors, e.g. `kube-apiserver`. */
  readonly name: string;
  readonly bin: string;
  readonly args: readonly string[];
  /** stdout and stderr go here; errors quote its last lines. */
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** A real server started by the harness. `stop()` ends it (SIGTERM, then SIGKILL) and resolves once it is gone. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Exit code or signal once it has exited, else undefined. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Throws ServerExitedError with the log tail if the process is gone; used while waiting for readiness. */
  assertRunning(): void;
  logTail(lines?: number): string;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test runner that dies must not leave servers behind.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export function startServerProcess(options: ServerProcessOptions): ServerProcess {
  installExitHook();
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.bin, options.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  if (child.pid === undefined) throw new ServerExitedError(`${options.name} did not start (${options.bin})`);
  live.add(child);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      live.delete(child);
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  const closed = Promise.all([once(child.stdout, 'close'), once(child.stderr, 'close')]);

  const logTail = (lines = 30): string => {
    try {
      return readFileSync(options.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };

  return {
    name: options.name,
    pid: child.pid,
    logFile: options.logFile,
    exited: () => exit,
    logTail,
    assertRunning() {
      if (exit !== undefined) {
        throw new ServerExitedError(
          `${options.name} exited (code ${exit.code}, signal ${exit.signal}); last lines of ${options.logFile}:\n${logTail()}`,
        );
      }
    },
    stop(graceMs = 10_000) {
      stopping ??= stopOnce(graceMs);
      return stopping;
    },
  };

  async function stopOnce(graceMs: number): Promise<void> {
    if (exit === undefined) {
      child.kill(graceMs === 0 ? 'SIGKILL' : 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    }
    await closed;
    log.end();
    await once(log, 'close');
  }
}
