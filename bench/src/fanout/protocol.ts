/** Messages between the benchmark's parent and its agent child processes (over the fork IPC channel). */

export interface AgentAssignment {
  readonly agent: string;
  readonly scope: string;
}

/** Parent → child: connect these agents and follow their scopes. */
export interface StartCommand {
  readonly type: 'start';
  readonly natsUrl: string;
  readonly cluster: string;
  readonly agents: readonly AgentAssignment[];
  /** Largest canonical encoding an agent accepts (the agent's default is 64 MiB). */
  readonly maxSnapshotBytes: number;
  /** Report `process.memoryUsage()` after the first apply of every agent (single-agent RSS measure). */
  readonly reportMemory: boolean;
}

/** Child → parent: one version handled by one agent. Times are wall-clock ms (timeOrigin + now). */
export interface AppliedReport {
  readonly type: 'applied';
  readonly agent: string;
  readonly scope: string;
  readonly version: string;
  readonly update: 'full' | 'delta' | 'resync';
  /** Bytes received for this version (compressed, all chunks), as the bus reports them. */
  readonly bytes: number;
  /** When the subscription was opened (for the resync time of a fresh agent). */
  readonly subscribedAt: number;
  readonly receivedAt: number;
  readonly appliedAt: number;
}

export interface RejectedReport {
  readonly type: 'rejected';
  readonly agent: string;
  readonly scope: string;
  readonly version: string | undefined;
  readonly error: string;
}

export interface MemoryReport {
  readonly type: 'memory';
  readonly agent: string;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Memory outside the JS heap (Buffers of received chunks, gunzip) after the apply. */
  readonly externalBytes: number;
  /** RSS and heap of the process before any agent connected: the runtime's and libraries' own share. */
  readonly baselineRssBytes: number;
  readonly baselineHeapUsedBytes: number;
}

export interface ReadyReport {
  readonly type: 'ready';
}

export interface FailedReport {
  readonly type: 'failed';
  readonly error: string;
}

export type ChildReport = AppliedReport | RejectedReport | MemoryReport | ReadyReport | FailedReport;

/** Wall-clock milliseconds comparable across processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
