/**
 * The agent as it is deployed: apps/agent/dist (the `nx build` output) run by plain Node (this process's runtime,
 * Node 24, no tsx), with one pod's identity, the etcd store and a state folder. Its JSON log lines are kept; its
 * memory is read from /proc.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(REPO, 'apps/agent/dist/main.js');

export class BuiltAgentError extends Error {
  override readonly name = 'BuiltAgentError';
}

/** Builds the agent and the libraries it uses (`nx build`, cached by Nx when nothing changed). */
export function buildAgent(log: (line: string) => void): void {
  log('building the agent (nx run @weft/agent:build)');
  const nx = join(REPO, 'node_modules/.bin/nx');
  const result = spawnSync(nx, ['run', '@weft/agent:build', '--outputStyle=static'], {
    cwd: REPO,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    encoding: 'utf8',
  });
  if (result.status !== 0 || !existsSync(MAIN)) {
    throw new BuiltAgentError(`building the agent failed (exit ${String(result.status)}):\n${(result.stdout + result.stderr).slice(-2000)}`);
  }
}

export interface BuiltAgentOptions {
  readonly natsUrl: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly pod: string;
  /** V8/Node flags for the agent's process (e.g. `--max-semi-space-size=1`). */
  readonly nodeFlags?: readonly string[];
}

export interface ProcessMemory {
  /** Resident set now (VmRSS) and at its peak (VmHWM), MiB. */
  readonly rssMb: number;
  readonly peakRssMb: number;
  /**
   * The resident set now split into the process's own memory (RssAnon: heap, Buffers, code V8 compiled) and pages of
   * files it maps (RssFile: mostly the node binary's code, shared by every process running the same binary), MiB.
   */
  readonly anonMb: number;
  readonly fileMb: number;
}

export class BuiltAgent implements AsyncDisposable {
  readonly lines: Record<string, unknown>[] = [];
  readonly #child: ReturnType<typeof spawn>;
  readonly #stateDir: string;
  readonly #exited: Promise<unknown>;
  #code: number | null | undefined;

  private constructor(child: ReturnType<typeof spawn>, stateDir: string) {
    this.#child = child;
    this.#stateDir = stateDir;
    this.#exited = once(child, 'exit').then(([code]) => {
      this.#code = code as number | null;
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on('line', (line) => {
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ msg: line });
        }
      });
    }
  }

  static start(options: BuiltAgentOptions): BuiltAgent {
    if (!existsSync(MAIN)) throw new BuiltAgentError(`${MAIN} is missing: build the agent first`);
    const stateDir = mkdtempSync(join(tmpdir(), 'weft-bench-agent-'));
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), MAIN], {
      cwd: REPO,
      env: {
        PATH: process.env['PATH'] ?? '',
        POD_NAME: options.pod,
        POD_NAMESPACE: options.namespace,
        WEFT_CLUSTER_ID: options.cluster,
        WEFT_NATS_URL: options.natsUrl,
        WEFT_STORE: 'etcd',
        WEFT_ETCD_PORT: '0',
        WEFT_HEALTH_PORT: '0',
        WEFT_HEALTH_HOST: '127.0.0.1',
        WEFT_STATE_DIR: stateDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new BuiltAgentError('the agent did not start');
    return new BuiltAgent(child, stateDir);
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Waits for a log line `accept` takes; fails when the agent exits or after `timeoutMs`. */
  async waitForLine(what: string, accept: (line: Record<string, unknown>) => boolean, timeoutMs = 120_000): Promise<Record<string, unknown>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(accept);
      if (found !== undefined) return found;
      if (this.#code !== undefined) throw new BuiltAgentError(`the agent exited (${String(this.#code)}) waiting for ${what}: ${JSON.stringify(this.lines.slice(-5))}`);
      if (performance.now() > deadline) throw new BuiltAgentError(`timed out waiting for ${what}: ${JSON.stringify(this.lines.slice(-5))}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  memory(): ProcessMemory {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: round(kb('VmRSS') / 1024), peakRssMb: round(kb('VmHWM') / 1024), anonMb: round(kb('RssAnon') / 1024), fileMb: round(kb('RssFile') / 1024) };
  }

  /** The agent's /metrics text. */
  async metrics(): Promise<string> {
    const listening = await this.waitForLine('listening', (l) => l['msg'] === 'listening');
    const url = String(listening['health']).replace('0.0.0.0', '127.0.0.1');
    return (await fetch(`${url}/metrics`)).text();
  }

  async stop(): Promise<void> {
    if (this.#code === undefined) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
      await this.#exited;
      clearTimeout(timer);
    }
    rmSync(this.#stateDir, { recursive: true, force: true });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** A prom-client gauge from metrics text, in MiB (0 when absent). */
export function gaugeMb(metrics: string, name: string): number {
  const value = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(metrics)?.[1];
  return value === undefined ? 0 : round(Number(value) / 2 ** 20);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
