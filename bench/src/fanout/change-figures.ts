/** Figures of one published change as the agents applied it. */
import type { AppliedReport, ReportedReport } from './protocol.js';
import type { PassResult, PassTimings } from './publish-pass.js';
import { distribution, round } from './stats.js';
import type { Distribution } from './stats.js';

export interface ChangeFigures {
  readonly what: string;
  readonly scopesPublished: number;
  readonly agents: number;
  /** Change made → the agent's config store serves it (edit, world rebuild, translate, publish of every scope, delivery, apply). */
  readonly endToEndMs: Distribution;
  /** Change made → the agent also kept it on disk (its applied-state journal) and moved on. */
  readonly persistedMs: Distribution;
  /** Change made → the agent's scope published. */
  readonly publishedMs: Distribution;
  /** Scope published → the agent received it (NATS and the bus's reading). */
  readonly deliveryMs: Distribution;
  /** Received → applied (the agent's CPU work, queued behind other agents of the same process). */
  readonly applyMs: Distribution;
  /**
   * Change made → the agent's status report naming the version stored in JetStream (what `weftctl status` reads); the
   * agent reports --status-delay after applying, so that work stays out of the fan-out.
   */
  readonly reportedMs: Distribution;
  readonly bytesPerAgent: Distribution;
  readonly updates: Record<string, number>;
  readonly pipelineMs: { readonly [K in keyof PassTimings]: number };
  /**
   * CPU time spent on this change, from the edit until every agent applied it: the agent processes together,
   * nats-server, and this process (world, translate, hash, validate, publish). On N cores the wall time is at least
   * their sum / N.
   */
  readonly cpuMs: CpuFigures | undefined;
}

export interface CpuFigures {
  readonly agents: number;
  /** The agent processes from the edit until every agent's status report was stored (the whole cost of a change). */
  readonly agentsThroughReport: number;
  readonly natsServer: number;
  readonly controlPlane: number;
}

export function changeFigures(what: string, pass: PassResult, reports: readonly AppliedReport[], statuses: readonly ReportedReport[], cpuMs?: CpuFigures): ChangeFigures {
  const updates: Record<string, number> = {};
  for (const r of reports) updates[r.update] = (updates[r.update] ?? 0) + 1;
  return {
    what,
    scopesPublished: pass.versions.size,
    agents: reports.length,
    endToEndMs: distribution(reports.map((r) => r.appliedAt - pass.startedAt)),
    persistedMs: distribution(reports.map((r) => r.handledAt - pass.startedAt)),
    publishedMs: distribution(reports.map((r) => (pass.publishedAt.get(r.scope) ?? pass.startedAt) - pass.startedAt)),
    deliveryMs: distribution(reports.map((r) => r.receivedAt - (pass.publishedAt.get(r.scope) ?? pass.startedAt))),
    applyMs: distribution(reports.map((r) => r.appliedAt - r.receivedAt)),
    reportedMs: distribution(statuses.map((r) => r.at - pass.startedAt)),
    bytesPerAgent: distribution(reports.map((r) => r.bytes), 0),
    updates,
    pipelineMs: roundTimings(pass.timings),
    cpuMs: cpuMs === undefined ? undefined : { agents: round(cpuMs.agents), agentsThroughReport: round(cpuMs.agentsThroughReport), natsServer: round(cpuMs.natsServer), controlPlane: round(cpuMs.controlPlane) },
  };
}

export function roundTimings(t: PassTimings): ChangeFigures['pipelineMs'] {
  return {
    totalMs: round(t.totalMs),
    translateMs: round(t.translateMs),
    checkMs: round(t.checkMs),
    publishMs: round(t.publishMs),
    assignMs: round(t.assignMs),
  };
}

/** Waits until every agent whose scope the pass published has applied that version; returns their first reports. */
export async function appliedByAll(
  pool: { readonly applied: readonly AppliedReport[]; until(what: string, done: () => boolean, timeoutMs: number): Promise<void> },
  pass: PassResult,
  agentScopes: ReadonlyMap<string, string>,
  timeoutMs: number,
): Promise<AppliedReport[]> {
  const expected = [...agentScopes].filter(([, scope]) => pass.versions.has(scope)).length;
  const firstReports = () => {
    const byAgent = new Map<string, AppliedReport>();
    for (const r of pool.applied) if (pass.versions.get(r.scope) === r.version && !byAgent.has(r.agent)) byAgent.set(r.agent, r);
    return byAgent;
  };
  await pool.until(`${expected} agents applying the change`, () => firstReports().size >= expected, timeoutMs);
  return [...firstReports().values()];
}

/** Waits until every agent whose scope the pass published has reported that version; returns their first such reports. */
export async function reportedByAll(
  pool: { readonly reported: readonly ReportedReport[]; until(what: string, done: () => boolean, timeoutMs: number): Promise<void> },
  pass: PassResult,
  agentScopes: ReadonlyMap<string, string>,
  timeoutMs: number,
): Promise<ReportedReport[]> {
  const expected = [...agentScopes].filter(([, scope]) => pass.versions.has(scope)).length;
  const firstReports = () => {
    const byAgent = new Map<string, ReportedReport>();
    for (const r of pool.reported) {
      const scope = agentScopes.get(r.agent);
      if (scope !== undefined && pass.versions.get(scope) === r.version && !byAgent.has(r.agent)) byAgent.set(r.agent, r);
    }
    return byAgent;
  };
  await pool.until(`${expected} agents reporting the change`, () => firstReports().size >= expected, timeoutMs);
  return [...firstReports().values()];
}
