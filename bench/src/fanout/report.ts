/** The benchmark's printed result: JSON, a short table against the targets, and where the time goes. */
import type { ChangeFigures } from './change-figures.js';
import type { FanoutFigures } from './fanout.js';
import type { SingleAgentFigures } from './single-agent.js';
import { percentile, round } from './stats.js';

export const TARGETS = { p99Ms: 100, bytesPerAgent: 2048, agentRssMb: 60, fullResyncMs: 1000 } as const;

export interface BenchResult {
  readonly command: string;
  /** CPUs, and the 1-minute load average when the run started and ended (other work on the machine shows here). */
  readonly machine: { readonly cpus: number; readonly loadAverageStart: number; readonly loadAverageEnd: number };
  readonly fanout: FanoutFigures;
  /** Absent with `--only fanout`. */
  readonly singleAgent: SingleAgentFigures | undefined;
}

type Row = [string, string, string];

function verdict(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

/** The route edit with the worst p99 (the one the target is judged on). */
function worstRouteEdit(fanout: FanoutFigures): ChangeFigures | undefined {
  return [...fanout.routeChanges].sort((a, b) => b.endToEndMs.p99 - a.endToEndMs.p99)[0];
}

export function table(result: BenchResult): string {
  const rows = [...fanoutRows(result), ...(result.singleAgent === undefined ? [] : singleAgentRows(result.singleAgent))];
  return ['| measure | value | target |', '|---|---|---|', ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`)].join('\n');
}

function fanoutRows(result: BenchResult): Row[] {
  const { fanout, machine } = result;
  const worst = worstRouteEdit(fanout);
  const cpu = worst?.cpuMs;
  const cpuFloor = cpu === undefined ? 0 : round((cpu.agents + cpu.natsServer + cpu.controlPlane) / machine.cpus, 0);
  return [
    [
      `route edit → all ${fanout.agents} agents applied, p50 / p99 (${fanout.services} Services, ${fanout.scopes} scopes, ${fanout.processes} agent processes)`,
      worst === undefined ? '-' : `${worst.endToEndMs.p50} / ${worst.endToEndMs.p99} ms`,
      `p99 ≤ ${TARGETS.p99Ms} ms: ${verdict((worst?.endToEndMs.p99 ?? Infinity) <= TARGETS.p99Ms)}`,
    ],
    [
      `  the ${fanout.warmupRouteChanges.length} route edits before (code not yet optimised by V8), p50 / p99`,
      fanout.warmupRouteChanges.map((c) => `${c.endToEndMs.p50} / ${c.endToEndMs.p99}`).join(', ') + ' ms',
      '',
    ],
    [
      '  split (p50 / p99): change → scope published | published → agent took it (NATS + waiting for its process) | took → applied',
      worst === undefined ? '-' : `${worst.publishedMs.p50} / ${worst.publishedMs.p99} | ${worst.deliveryMs.p50} / ${worst.deliveryMs.p99} | ${worst.applyMs.p50} / ${worst.applyMs.p99} ms`,
      '',
    ],
    [
      '  change → the agent also kept it on disk (applied-state journal), p50 / p99',
      worst === undefined ? '-' : `${worst.persistedMs.p50} / ${worst.persistedMs.p99} ms`,
      '',
    ],
    [
      '  pipeline: translate | diff + hash + validate | publish (all scopes)',
      worst === undefined ? '-' : `${worst.pipelineMs.translateMs} | ${worst.pipelineMs.checkMs} | ${worst.pipelineMs.publishMs} ms`,
      '',
    ],
    [
      `  CPU until all applied: agent processes | nats-server | control plane (wall floor on ${machine.cpus} CPUs)`,
      cpu === undefined ? '-' : `${cpu.agents} | ${cpu.natsServer} | ${cpu.controlPlane} ms (≥ ${cpuFloor} ms)`,
      '',
    ],
    [
      '  change → every agent\'s status report stored (agents report --status-delay after applying), p50 / p99',
      worst === undefined ? '-' : `${worst.reportedMs.p50} / ${worst.reportedMs.p99} ms`,
      '',
    ],
    [
      '  agent CPU per subscription per route edit, status report included (the agent processes\' CPU over the agents that applied it), median of the edits',
      `${perSubscriptionCpuMs(fanout)} ms`,
      '',
    ],
    [
      `single-endpoint change → all ${fanout.agents} agents applied, p50 / p99`,
      `${fanout.endpointChange.endToEndMs.p50} / ${fanout.endpointChange.endToEndMs.p99} ms`,
      '',
    ],
    [
      `single-endpoint change, bytes per agent (${fanout.services} Services)`,
      `${fanout.endpointChange.bytesPerAgent.p50} B (max ${fanout.endpointChange.bytesPerAgent.max})`,
      `≤ ${TARGETS.bytesPerAgent} B: ${verdict(fanout.endpointChange.bytesPerAgent.max <= TARGETS.bytesPerAgent)}`,
    ],
  ];
}

function singleAgentRows(one: SingleAgentFigures): Row[] {
  const mem = one.memory;
  return [
    [`single-endpoint change, bytes per agent (${one.services} Services)`, `${one.endpointChange.bytes} B`, `≤ ${TARGETS.bytesPerAgent} B: ${verdict(one.endpointChange.bytes <= TARGETS.bytesPerAgent)}`],
    [
      `agent RSS holding a ${one.services}-Service scope (${one.resources} resources; built agent with its V8 flags ${one.nodeFlags.join(' ')}; before the scope ${mem.beforeScopeRssMb} MB, peak ${mem.peakRssMb} MB, heap ${mem.heapUsedMb} MB, external ${mem.externalMb} MB; own memory (RssAnon) ${mem.withScopeAnonMb} MB (${mem.beforeScopeAnonMb} MB before the scope) + node binary and other file pages (RssFile) ${mem.withScopeFileMb} MB)`,
      `${mem.withScopeRssMb} MB`,
      `≤ ${TARGETS.agentRssMb} MB: ${verdict(mem.withScopeRssMb <= TARGETS.agentRssMb)}`,
    ],
    [
      `  the same agent without its V8 flags (${one.nodeFlags.join(' ')}): plain Node (full resync ${one.plainNode.fullResyncMs} ms; before the scope ${one.plainNode.memory.beforeScopeRssMb} MB, peak ${one.plainNode.memory.peakRssMb} MB; RssAnon ${one.plainNode.memory.withScopeAnonMb} MB + RssFile ${one.plainNode.memory.withScopeFileMb} MB)`,
      `${one.plainNode.memory.withScopeRssMb} MB`,
      '',
    ],
    [
      `full resync of one agent: subscribe → its etcd store serves the scope (${one.services} Services, ${round(one.checkpointBytes / 1024, 0)} KiB checkpoint; tries ${one.fullResyncTriesMs.join(', ')} ms; ${one.fullResyncWithPersistMs} ms with the state kept on disk)`,
      `${one.fullResyncMs} ms`,
      `≤ ${TARGETS.fullResyncMs} ms: ${verdict(one.fullResyncMs <= TARGETS.fullResyncMs)}`,
    ],
    [`one agent, ${one.services} Services: route edit applied after the change (its own apply)`, `${one.routeChange.endToEndMs} ms (${one.routeChange.agentApplyMs} ms)`, ''],
    [
      `pipeline, ${one.services} Services, all ${one.scopes} scopes: route edit (translate | diff+hash+validate | publish); first pass`,
      `${one.routeChange.pipelineMs.totalMs} ms (${one.routeChange.pipelineMs.translateMs} | ${one.routeChange.pipelineMs.checkMs} | ${one.routeChange.pipelineMs.publishMs}); ${one.initialPipelineMs.totalMs} ms`,
      '',
    ],
  ];
}

/** Agent CPU per subscription of each measured route edit, median over the edits (ms, 3 digits). */
export function perSubscriptionCpuMs(fanout: FanoutFigures): number {
  const each = fanout.routeChanges.filter((c) => c.cpuMs !== undefined && c.agents > 0).map((c) => (c.cpuMs?.agentsThroughReport ?? 0) / c.agents);
  return round(percentile(each, 0.5), 3);
}

/** Where the time goes, in words. */
export function hints(result: BenchResult): string[] {
  const { fanout, singleAgent: one, machine } = result;
  const lines: string[] = [];
  const worst = worstRouteEdit(fanout);
  if (worst?.cpuMs !== undefined) {
    const perAgent = round(worst.cpuMs.agents / Math.max(1, worst.agents), 2);
    lines.push(
      `fan-out route edit: ${worst.scopesPublished} scopes republished; until all had applied it the ${fanout.agents} agents spent ${worst.cpuMs.agents} ms of CPU in all (${perAgent} ms each: ` +
        `NATS client, bus decoding, delta apply into the etcd store, journal, log line, report to the parent; ${worst.cpuMs.agentsThroughReport} ms with the status reports that follow), nats-server ${worst.cpuMs.natsServer} ms, the control plane ${worst.cpuMs.controlPlane} ms. ` +
        `On ${machine.cpus} CPUs (load average ${machine.loadAverageStart} when the run started) that work alone takes at least ` +
        `${round((worst.cpuMs.agents + worst.cpuMs.natsServer + worst.cpuMs.controlPlane) / machine.cpus, 0)} ms of wall time: the "took it" figure is mostly agents waiting for a CPU.`,
    );
  }
  if (one === undefined) return lines;
  lines.push(
    `one agent at ${one.services} Services: a one-resource delta is applied in ${one.routeChange.agentApplyMs} ms (incremental hash and validation, only the changed etcd keys); ` +
      `a full resync (${one.resources} resources) takes ${one.fullResyncMs} ms, of which the agent's own parse, validation and store apply ${one.fullApplyMs} ms.`,
  );
  lines.push(
    `agent memory at ${one.services} Services: ${one.memory.beforeScopeRssMb} MB before it holds any scope, of which ${one.memory.beforeScopeAnonMb} MB its own (RssAnon: ` +
      `Node's heap and the libraries it loads: NATS, prom-client, pino, grpc-js, pki, yaml; the etcd gRPC service only once etcdctl connects) and the rest pages of the node binary (RssFile, ~50 MB, ` +
      `shared by every process of that binary); ${round(one.memory.withScopeRssMb - one.memory.beforeScopeRssMb)} MB more with the scope (its canonical JSON text once, ` +
      `which the etcd store serves too, the client view's rewritten routes, indexes; a full collection a second after the full state hands back what reading it left)`);
  lines.push(
    `pipeline at ${one.services} Services, all ${one.scopes} scopes: a route edit costs ${one.routeChange.pipelineMs.totalMs} ms ` +
      `(translate ${one.routeChange.pipelineMs.translateMs}, per-scope diff/hash/validate ${one.routeChange.pipelineMs.checkMs}, ${one.routeChange.scopesPublished} publishes ${one.routeChange.pipelineMs.publishMs} ms); ` +
      `control plane RSS ${one.controlPlaneRssMb} MB.`,
  );
  return lines;
}
