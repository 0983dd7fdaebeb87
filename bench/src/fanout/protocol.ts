/** Messages between the benchmark's parent and its agent child processes (over the fork IPC channel). */

export interface AgentAssignment {
  readonly agent: string;
  readonly scope: string;
  /** The pod's namespace: its stores serve that namespace's client view of the scope. */
  readonly namespace: string;
}

/** Parent → child: connect these agents and follow their scopes. */
export interface StartCommand {
  readonly type: 'start';
  readonly natsUrl: string;
  readonly cluster: string;
  readonly agents: readonly AgentAssignment[];
  /** Largest canonical encoding an agent accepts (the agent's default is 64 MiB). */
  readonly maxSnapshotBytes: number;
  /** Each agent keeps its applied state in `<stateRoot>/<agent>`, as an agent does in its --state-dir. */
  readonly stateRoot: string;
}

/** Parent → child: report the CPU time this process has used so far. */
export interface CpuCommand {
  readonly type: 'cpu';
}

/**
 * Parent → child: start the V8 CPU profiler, or stop it and write the profile to `path` (a .cpuprofile file, for
 * Chrome DevTools or bench/src/fanout/profile-summary.ts).
 */
export type ProfileCommand = { readonly type: 'profile-start' } | { readonly type: 'profile-stop'; readonly path: string };

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
  /** When the agent's ScopeFollower took the version from its subscription. */
  readonly receivedAt: number;
  /** When its config store served it (what APISIX sees). */
  readonly appliedAt: number;
  /** When the agent was done with it: kept on disk too (the journal line written). */
  readonly handledAt: number;
}

/** Child → parent: an agent's status report (the version it names) stored in JetStream. */
export interface ReportedReport {
  readonly type: 'reported';
  readonly agent: string;
  readonly version: string | null;
  readonly at: number;
}

export interface RejectedReport {
  readonly type: 'rejected';
  readonly agent: string;
  readonly scope: string;
  readonly version: string | undefined;
  readonly error: string;
}

/** Child → parent: CPU time used by the process so far (user + system), and its RSS. */
export interface CpuReport {
  readonly type: 'cpu';
  readonly cpuMs: number;
  readonly rssBytes: number;
}

export interface ReadyReport {
  readonly type: 'ready';
}

export interface FailedReport {
  readonly type: 'failed';
  readonly error: string;
}

/** Child → parent: the profiler started, or its profile was written. */
export interface ProfileReport {
  readonly type: 'profile';
  readonly path: string | undefined;
}

export type ChildReport = AppliedReport | ReportedReport | RejectedReport | CpuReport | ReadyReport | FailedReport | ProfileReport;

/** Wall-clock milliseconds comparable across processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
