/** The benchmark's printed result: JSON, a short table against the targets, and where the time goes. */
import { availableParallelism } from 'node:os';
import type { FanoutFigures } from './fanout.js';
import type { SingleAgentFigures } from './single-agent.js';
import { round } from './stats.js';

export const TARGETS = { p99Ms: 100, bytesPerAgent: 2048, agentRssMb: 60, fullResyncMs: 1000 } as const;

export interface BenchResult {
  readonly command: string;
  readonly machine: { readonly cpus: number };
  readonly fanout: FanoutFigures;
  readonly singleAgent: SingleAgentFigures;
  /** What the fan-out would cost on the single-agent mesh, from its measured per-scope and per-agent costs. */
  readonly estimateAtFullSize: {
    readonly services: number;
    readonly agents: number;
    readonly pipelineAllScopesMs: number;
    readonly agentApplyMs: number;
    readonly allAgentsOnThisMachineMs: number;
    readonly allAgentsHeapGb: number;
  };
}

export function estimate(fanout: FanoutFigures, single: SingleAgentFigures): BenchResult['estimateAtFullSize'] {
  const perScope = single.routeChange.pipelineMs;
  // A route edit changes every scope (each carries every Service's routes): every scope is hashed, validated, diffed, published.
  const pipelineAllScopesMs = perScope.translateMs + single.scopes * (perScope.checkMs + perScope.publishMs);
  const agentApplyMs = single.routeChange.applyMs.p50;
  return {
    services: single.services,
    agents: fanout.agents,
    pipelineAllScopesMs: round(pipelineAllScopesMs, 0),
    agentApplyMs,
    allAgentsOnThisMachineMs: round((fanout.agents * agentApplyMs) / availableParallelism(), 0),
    // Live heap each agent adds (RSS adds more: parse and gunzip garbage the allocator keeps).
    allAgentsHeapGb: round((fanout.agents * (single.heapUsedMb - single.baselineHeapUsedMb)) / 1024, 1),
  };
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

export function table(result: BenchResult): string {
  const { fanout, singleAgent: one, estimateAtFullSize: est } = result;
  const routeP50 = Math.max(...fanout.routeChanges.map((c) => c.endToEndMs.p50));
  const routeP99 = Math.max(...fanout.routeChanges.map((c) => c.endToEndMs.p99));
  const last = fanout.routeChanges.at(-1);
  const rows: [string, string, string][] = [
    [
      `route edit → all ${fanout.agents} agents applied, p50 / p99 (${fanout.services} Services, ${fanout.scopes} scopes, ${fanout.processes} processes)`,
      `${routeP50} / ${routeP99} ms`,
      `p99 ≤ ${TARGETS.p99Ms} ms: ${verdict(routeP99 <= TARGETS.p99Ms)}`,
    ],
    [
      '  of which (p99): change → scope published / publish ack → agent handler runs / apply',
      last === undefined ? '-' : `${last.publishedMs.p99} / ${last.deliveryMs.p99} / ${last.applyMs.p99} ms`,
      '',
    ],
    [`single-endpoint change, bytes per agent (${fanout.services} Services)`, `${fanout.endpointChange.bytesPerAgent.p50} B (max ${fanout.endpointChange.bytesPerAgent.max})`, `≤ ${TARGETS.bytesPerAgent} B: ${verdict(fanout.endpointChange.bytesPerAgent.max <= TARGETS.bytesPerAgent)}`],
    [`single-endpoint change, bytes per agent (${one.services} Services)`, `${one.endpointChange.bytesPerAgent.max} B`, `≤ ${TARGETS.bytesPerAgent} B: ${verdict(one.endpointChange.bytesPerAgent.max <= TARGETS.bytesPerAgent)}`],
    [
      `agent RSS holding a ${one.services}-Service scope (before connecting: ${one.baselineRssMb} MB; heap ${one.heapUsedMb} MB, ${one.baselineHeapUsedMb} before; external ${one.externalMb} MB)`,
      `${one.rssMb} MB`, `≤ ${TARGETS.agentRssMb} MB: ${verdict(one.rssMb <= TARGETS.agentRssMb)}`],
    [`full resync of one agent (${one.services} Services, ${round(one.fullStateBytes / 1024, 0)} KiB received)`, `${one.fullResyncMs} ms`, `≤ ${TARGETS.fullResyncMs} ms: ${verdict(one.fullResyncMs <= TARGETS.fullResyncMs)}`],
    [`one agent applying a route edit (${one.services} Services)`, `${one.routeChange.applyMs.p50} ms`, ''],
    [`pipeline, route edit, all ${one.scopes} scopes (${one.services} Services, estimated from 1 scope)`, `${est.pipelineAllScopesMs} ms`, ''],
    [`${est.agents} agents × ${est.services} Services on this ${result.machine.cpus}-CPU machine (estimated)`, `${est.allAgentsOnThisMachineMs} ms, ${est.allAgentsHeapGb} GB heap`, ''],
  ];
  return ['| measure | value | target |', '|---|---|---|', ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`)].join('\n');
}

/** Where the time goes, from what can be timed outside the pipeline and the agents. */
export function hints(result: BenchResult): string[] {
  const { fanout, singleAgent: one } = result;
  const lines: string[] = [];
  const last = fanout.routeChanges.at(-1);
  if (last !== undefined) {
    const p = last.pipelineMs;
    lines.push(
      `fan-out route edit: pipeline pass ${p.totalMs} ms = world+translate ${p.translateMs} + hash/validate/diff ${p.checkMs} + publish ${p.publishMs} + assignments ${p.assignMs} ms over ${last.scopesPublished} scopes (one after another); ` +
        `agent apply (received → applied) p50 ${last.applyMs.p50} ms; ${fanout.agents} agents in ${fanout.processes} processes share ${result.machine.cpus} CPUs: an agent's handler waits behind the applies of the ` +
        `other ~${Math.round(fanout.agents / fanout.processes)} agents of its process, which is most of the "delivery" figure.`,
    );
  }
  lines.push(
    `one agent at ${one.services} Services, route edit: SnapshotApplier took ${one.routeChange.applyMs.p50} ms for a one-resource delta ` +
      '(applyDelta, then the whole scope re-hashed, re-built and re-validated).',
  );
  const q = one.routeChange.pipelineMs;
  lines.push(
    `pipeline at ${one.services} Services, route edit, one scope: world+translate ${q.translateMs}, hash/validate/diff ${q.checkMs}, publish ${q.publishMs} ms; ` +
      `every scope carries every Service, so a route edit repeats the last two ${one.scopes} times.`,
  );
  return lines;
}
