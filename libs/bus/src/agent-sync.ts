import type { AgentStatus } from './types.js';

export type AgentState = 'in-sync' | 'behind' | 'error' | 'stale';

/** One agent as `weftctl status` and /debug/agents show it. */
export interface AgentView {
  readonly agent: string;
  readonly scope: string;
  readonly appliedVersion: string | null;
  /** The newest version published for its scope, when this control plane knows it. */
  readonly latestVersion: string | null;
  readonly state: AgentState;
  readonly lastError: string | null;
  readonly lastReportAt: string;
}

/**
 * Every agent's latest status, compared with what was published: in sync (applied the latest hash of its scope),
 * behind, in error (its last version was rejected), or stale (no report for `staleAfterMs`, like istioctl's STALE).
 */
export class AgentTracker {
  private readonly statuses = new Map<string, AgentStatus>();

  constructor(private readonly staleAfterMs: number) {}

  record(status: AgentStatus): void {
    this.statuses.set(status.agent, status);
  }

  views(
    latest: ReadonlyMap<string, { readonly version: string; readonly hash: string }>,
    now: number = Date.now(),
  ): AgentView[] {
    return [...this.statuses.values()]
      .sort((a, b) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0))
      .map((s) => {
        const head = latest.get(s.scope);
        let state: AgentState;
        if (now - Date.parse(s.at) > this.staleAfterMs) state = 'stale';
        else if (s.lastError !== null) state = 'error';
        else if (head !== undefined && s.hash !== head.hash) state = 'behind';
        else state = 'in-sync';
        return {
          agent: s.agent,
          scope: s.scope,
          appliedVersion: s.appliedVersion,
          latestVersion: head?.version ?? null,
          state,
          lastError: s.lastError,
          lastReportAt: s.at,
        };
      });
  }

  counts(latest: ReadonlyMap<string, { readonly version: string; readonly hash: string }>, now: number = Date.now()): Record<AgentState, number> {
    const counts: Record<AgentState, number> = { 'in-sync': 0, behind: 0, error: 0, stale: 0 };
    for (const v of this.views(latest, now)) counts[v.state]++;
    return counts;
  }
}
