import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { waitFor } from './wait.js';

/** The repository root, for paths to apps' entry points. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface WeftProcessOptions {
  /** Shown in errors, e.g. `control-plane`. */
  readonly name: string;
  /** Entry point relative to the repository root, e.g. `apps/control-plane/src/cli.ts`. */
  readonly entry: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** A Weft app run as a real child process from its TypeScript sources; its pino JSON lines are kept for assertions. */
export interface WeftProcess extends AsyncDisposable {
  readonly name: string;
  readonly pid: number;
  /** Every JSON log line so far (non-JSON lines are kept as `{ msg: line }`). */
  readonly lines: readonly Record<string, unknown>[];
  /** Waits for a log line the predicate accepts and returns it. */
  waitForLine(what: string, predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exitCode(): number | null | undefined;
  /** SIGCONT + SIGTERM and wait (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  signal(sig: NodeJS.Signals): void;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `node --import tsx --conditions=development <entry>`: the app exactly as its sources are. */
export function startWeftProcess(options: WeftProcessOptions): WeftProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=development', options.entry, ...options.args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${options.name} did not start`);
  running.add(child);
  const lines: Record<string, unknown>[] = [];
  const collect = (stream: NodeJS.ReadableStream): void => {
    createInterface({ input: stream }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: line });
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  let code: number | null | undefined;
  const exited = once(child, 'exit').then(([c]) => {
    code = c as number | null;
    running.delete(child);
  });
  const tail = (): string => lines.slice(-15).map((l) => JSON.stringify(l)).join('\n');
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (code === undefined) {
      child.kill('SIGCONT'); // a stopped process (SIGSTOP in a test) must run to handle SIGTERM
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  };
  return {
    name: options.name,
    pid: child.pid,
    lines,
    async waitForLine(what, predicate, timeoutMs = 20_000) {
      try {
        return await waitFor(what, () => lines.find(predicate), {
          timeoutMs,
          check: () => {
            if (code !== undefined) throw new Error(`${options.name} exited with code ${code} while waiting for ${what}; last lines:\n${tail()}`);
          },
        });
      } catch (err) {
        throw new Error(`${(err as Error).message}\nlast lines of ${options.name}:\n${tail()}`, { cause: err });
      }
    },
    exitCode: () => code,
    stop,
    async kill() {
      if (code === undefined) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    signal(sig) {
      child.kill(sig);
    },
    [Symbol.asyncDispose]: () => stop(),
  };
}
