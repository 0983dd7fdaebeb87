/**
 * The fan-out measure: the whole mesh published by the pipeline, N agents spread round-robin over its scopes in P
 * processes, then HTTPRoute edits and one single-endpoint change, each timed until every agent applied it.
 */
import { mkdir } from 'node:fs/promises';
import type { Bus } from '@weft/bus';
import { AgentPool } from './agent-pool.js';
import { appliedByAll, changeFigures, reportedByAll } from './change-figures.js';
import type { ChangeFigures, CpuFigures } from './change-figures.js';
import { ownCpuMs, processCpuMs } from './cpu-meter.js';
import { EditableMesh, meshShape } from './mesh-edits.js';
import type { FanoutOptions } from './options.js';
import { PublishingPipeline } from './publish-pass.js';
import { distribution, round } from './stats.js';
import type { Distribution } from './stats.js';

const MAX_SNAPSHOT_BYTES = 64 * 2 ** 20;

export interface FanoutFigures {
  readonly services: number;
  readonly scopes: number;
  readonly agents: number;
  readonly processes: number;
  readonly initialPublishMs: number;
  /** Subscribe (no version) → first full state applied, all agents starting at once. */
  readonly coldStartMs: Distribution;
  /** The first route edits after the agents started (cold code), end to end. */
  readonly warmupRouteChanges: readonly { readonly what: string; readonly endToEndMs: Distribution }[];
  readonly routeChanges: readonly ChangeFigures[];
  readonly endpointChange: ChangeFigures;
  /** RSS of the agent processes together, after every agent applied its first full state. */
  readonly agentProcessesRssMb: number;
  readonly rejected: readonly string[];
}

export interface NatsProcess {
  readonly url: string;
  readonly pid: number;
}

export async function runFanout(bus: Bus, nats: NatsProcess, options: FanoutOptions, log: (line: string) => void): Promise<FanoutFigures> {
  const natsUrl = nats.url;
  const mesh = new EditableMesh(meshShape(options.fanoutServices));
  const pipeline = new PublishingPipeline(bus);
  const initial = await pipeline.apply(mesh.objects);
  const initialPublishMs = initial.timings.totalMs;
  const scopes = pipeline.scopes;
  log(`fan-out mesh: ${options.fanoutServices} Services, ${scopes.length} scopes published in ${round(initialPublishMs)} ms`);

  const agents = Array.from({ length: options.agents }, (_, i) => {
    const scope = scopes[i % scopes.length] ?? '';
    return { agent: `bench-agent-${i}`, scope, namespace: pipeline.namespaceOf(scope) };
  });
  const agentScopes = new Map(agents.map((a) => [a.agent, a.scope]));
  const started = performance.now();
  await using pool = await AgentPool.start({
    natsUrl,
    cluster: bus.cluster,
    agents,
    processes: Math.min(options.processes, options.agents),
    maxSnapshotBytes: MAX_SNAPSHOT_BYTES,
  });
  const cold = await appliedByAll(pool, initial, agentScopes, options.timeoutMs);
  await reportedByAll(pool, initial, agentScopes, options.timeoutMs);
  log(`${cold.length} agents subscribed and applied the full state in ${round(performance.now() - started)} ms`);
  const agentsRss = (await pool.cpu()).rssBytes;
  const coldStartMs = distribution(cold.map((r) => r.appliedAt - r.subscribedAt));

  /** Makes a change, publishes it through the pipeline and waits until every agent applied it, with the CPU it took. */
  const measure = async (edit: () => string): Promise<ChangeFigures> => {
    const before = { agents: (await pool.cpu()).cpuMs, natsServer: processCpuMs(nats.pid), controlPlane: ownCpuMs() };
    const edited = edit();
    const pass = await pipeline.apply(mesh.objects);
    const reports = await appliedByAll(pool, pass, agentScopes, options.timeoutMs);
    const applied = { agents: (await pool.cpu()).cpuMs, natsServer: processCpuMs(nats.pid), controlPlane: ownCpuMs() };
    // The next change starts once every agent reported this one: each change is measured on a quiet system.
    const statuses = await reportedByAll(pool, pass, agentScopes, options.timeoutMs);
    const cpu: CpuFigures = {
      agents: applied.agents - before.agents,
      agentsThroughReport: (await pool.cpu()).cpuMs - before.agents,
      natsServer: applied.natsServer - before.natsServer,
      controlPlane: applied.controlPlane - before.controlPlane,
    };
    return changeFigures(edited, pass, reports, statuses, cpu);
  };
  const warmupRouteChanges: FanoutFigures['warmupRouteChanges'][number][] = [];
  for (let i = 0; i < options.warmupChanges; i++) {
    const figures = await measure(() => `HTTPRoute ${mesh.editRoute()} edited`);
    log(`warm-up route edit ${i + 1}: p50 ${figures.endToEndMs.p50} ms, p99 ${figures.endToEndMs.p99} ms`);
    warmupRouteChanges.push({ what: figures.what, endToEndMs: figures.endToEndMs });
  }
  const routeChanges: ChangeFigures[] = [];
  if (options.profileDir !== undefined) await pool.startProfiles();
  for (let i = 0; i < options.routeChanges; i++) {
    const figures = await measure(() => `HTTPRoute ${mesh.editRoute()} edited`);
    log(`route edit ${i + 1}: ${figures.scopesPublished} scopes, p50 ${figures.endToEndMs.p50} ms, p99 ${figures.endToEndMs.p99} ms`);
    routeChanges.push(figures);
  }
  if (options.profileDir !== undefined) {
    await mkdir(options.profileDir, { recursive: true });
    const files = await pool.stopProfiles(options.profileDir);
    log(`CPU profiles of the agent processes over the ${options.routeChanges} route edits: ${files.join(', ')}`);
  }
  const endpointChange = await measure(() => `one endpoint of ${mesh.unreadyOneEndpoint()} unready`);
  log(`endpoint change: p99 ${endpointChange.endToEndMs.p99} ms, ${endpointChange.bytesPerAgent.p50} bytes per agent`);
  return {
    services: options.fanoutServices,
    scopes: scopes.length,
    agents: options.agents,
    processes: Math.min(options.processes, options.agents),
    initialPublishMs: round(initialPublishMs),
    coldStartMs,
    warmupRouteChanges,
    routeChanges,
    endpointChange,
    agentProcessesRssMb: round(agentsRss / 2 ** 20),
    rejected: pool.rejected.slice(0, 10),
  };
}
