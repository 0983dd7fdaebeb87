/**
 * The parent's side of the agent children: forks them, hands each its share of agents, collects their reports
 * and waits for conditions on them. Children are killed on close, also when the benchmark fails.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { AgentAssignment, AppliedReport, ChildReport, CpuReport, ProfileCommand, ReportedReport, StartCommand } from './protocol.js';

const WORKER = fileURLToPath(new URL('./agent-worker.ts', import.meta.url));

export class AgentPoolError extends Error {
  override readonly name = 'AgentPoolError';
}

export interface AgentPoolOptions {
  readonly natsUrl: string;
  readonly cluster: string;
  readonly agents: readonly AgentAssignment[];
  readonly processes: number;
  readonly maxSnapshotBytes: number;
}

export class AgentPool implements AsyncDisposable {
  readonly applied: AppliedReport[] = [];
  readonly reported: ReportedReport[] = [];
  #cpu: CpuReport[] = [];
  #profiles: (string | undefined)[] = [];
  readonly rejected: string[] = [];
  readonly #children: ChildProcess[] = [];
  readonly #listeners = new Set<() => void>();
  #failure: Error | undefined;
  /** The agents' state folders, one per agent inside; removed on close. */
  readonly #stateRoot = mkdtempSync(join(tmpdir(), 'weft-bench-agents-'));

  private constructor() {}

  /** Forks the children (agent i goes to child i mod processes) and resolves once every agent is subscribed. */
  static async start(options: AgentPoolOptions): Promise<AgentPool> {
    const pool = new AgentPool();
    const shares: AgentAssignment[][] = Array.from({ length: options.processes }, () => []);
    options.agents.forEach((a, i) => shares[i % options.processes]?.push(a));
    let ready = 0;
    for (const share of shares.filter((s) => s.length > 0)) {
      // The children run under the same tsx loader and conditions as this process.
      const child = fork(WORKER, [], { execArgv: [...process.execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      pool.#children.push(child);
      child.on('message', (messages: readonly ChildReport[]) => {
        for (const message of messages) {
          if (message.type === 'ready') ready++;
          else pool.#take(message);
        }
        pool.#notify();
      });
      child.on('exit', (code, signal) => {
        if (pool.#closing) return;
        pool.#failure ??= new AgentPoolError(`an agent process exited (code ${String(code)}, signal ${String(signal)})`);
        pool.#notify();
      });
      const command: StartCommand = {
        type: 'start',
        natsUrl: options.natsUrl,
        cluster: options.cluster,
        agents: share,
        maxSnapshotBytes: options.maxSnapshotBytes,
        stateRoot: pool.#stateRoot,
      };
      child.send(command);
    }
    const children = pool.#children.length;
    await pool.until('every agent process subscribed', () => ready === children, 120_000);
    return pool;
  }

  #closing = false;

  #take(message: ChildReport): void {
    if (message.type === 'applied') this.applied.push(message);
    else if (message.type === 'reported') this.reported.push(message);
    else if (message.type === 'cpu') this.#cpu.push(message);
    else if (message.type === 'profile') this.#profiles.push(message.path);
    else if (message.type === 'rejected') this.rejected.push(`${message.agent} ${message.scope}@${message.version ?? '?'}: ${message.error}`);
    else if (message.type === 'failed') this.#failure ??= new AgentPoolError(message.error);
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Resolves when `done()` holds (checked on every report); rejects on a child failure or after `timeoutMs`. */
  until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        if (err === undefined) resolve();
        else reject(err);
      };
      const check = () => {
        if (this.#failure !== undefined) finish(this.#failure);
        else if (done()) finish();
      };
      const timer = setTimeout(() => {
        finish(new AgentPoolError(`timed out after ${timeoutMs} ms waiting for: ${what}`));
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  /** CPU time used so far by all agent processes together, and their RSS summed. */
  async cpu(): Promise<{ readonly cpuMs: number; readonly rssBytes: number }> {
    this.#cpu = [];
    const live = this.#children.filter((c) => c.connected);
    for (const child of live) child.send({ type: 'cpu' });
    await this.until('CPU figures of every agent process', () => this.#cpu.length >= live.length, 30_000);
    return { cpuMs: this.#cpu.reduce((n, r) => n + r.cpuMs, 0), rssBytes: this.#cpu.reduce((n, r) => n + r.rssBytes, 0) };
  }

  /** Starts the CPU profiler in every agent process. */
  async startProfiles(): Promise<void> {
    await this.#profileCommand(() => ({ type: 'profile-start' }));
  }

  /** Stops the agent processes' profilers; each writes `dir/agents-<pid>.cpuprofile`. Returns the files. */
  async stopProfiles(dir: string): Promise<string[]> {
    const written = await this.#profileCommand((child) => ({ type: 'profile-stop', path: join(dir, `agents-${String(child.pid)}.cpuprofile`) }));
    return written.filter((p): p is string => p !== undefined);
  }

  async #profileCommand(command: (child: ChildProcess) => ProfileCommand): Promise<(string | undefined)[]> {
    this.#profiles = [];
    const live = this.#children.filter((c) => c.connected);
    for (const child of live) child.send(command(child));
    await this.until('the profilers of every agent process', () => this.#profiles.length >= live.length, 60_000);
    return this.#profiles;
  }

  /** Applied reports of a given version per scope (the versions one change published). */
  appliedOf(versions: ReadonlyMap<string, string>): AppliedReport[] {
    return this.applied.filter((r) => versions.get(r.scope) === r.version);
  }

  async close(): Promise<void> {
    this.#closing = true;
    const exits = this.#children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          const kill = setTimeout(() => {
            child.kill('SIGKILL');
          }, 5000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          if (child.connected) child.send({ type: 'stop' });
          else child.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    rmSync(this.#stateRoot, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
