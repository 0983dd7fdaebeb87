/**
 * The fan-out measure: the whole mesh published by the pipeline, N agents spread round-robin over its scopes in P
 * processes, then HTTPRoute edits and one single-endpoint change, each timed until every agent applied it.
 */
import type { Bus } from '@weft/bus';
import { AgentPool } from './agent-pool.js';
import { appliedByAll, changeFigures } from './change-figures.js';
import type { ChangeFigures } from './change-figures.js';
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
  readonly routeChanges: readonly ChangeFigures[];
  readonly endpointChange: ChangeFigures;
  readonly rejected: readonly string[];
}

export async function runFanout(bus: Bus, natsUrl: string, options: FanoutOptions, log: (line: string) => void): Promise<FanoutFigures> {
  const mesh = new EditableMesh(meshShape(options.fanoutServices));
  const pipeline = new PublishingPipeline(bus);
  const initial = await pipeline.apply(mesh.objects);
  const initialPublishMs = initial.timings.totalMs;
  const scopes = pipeline.scopes;
  log(`fan-out mesh: ${options.fanoutServices} Services, ${scopes.length} scopes published in ${round(initialPublishMs)} ms`);

  const agents = Array.from({ length: options.agents }, (_, i) => ({ agent: `bench-agent-${i}`, scope: scopes[i % scopes.length] ?? '' }));
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
  log(`${cold.length} agents subscribed and applied the full state in ${round(performance.now() - started)} ms`);
  const coldStartMs = distribution(cold.map((r) => r.appliedAt - r.subscribedAt));

  const routeChanges: ChangeFigures[] = [];
  for (let i = 0; i < options.routeChanges; i++) {
    const route = mesh.editRoute();
    const pass = await pipeline.apply(mesh.objects);
    const reports = await appliedByAll(pool, pass, agentScopes, options.timeoutMs);
    const figures = changeFigures(`HTTPRoute ${route} edited`, pass, reports);
    log(`route edit ${i + 1}: ${figures.scopesPublished} scopes, p50 ${figures.endToEndMs.p50} ms, p99 ${figures.endToEndMs.p99} ms`);
    routeChanges.push(figures);
  }
  const service = mesh.unreadyOneEndpoint();
  const pass = await pipeline.apply(mesh.objects);
  const endpointChange = changeFigures(`one endpoint of ${service} unready`, pass, await appliedByAll(pool, pass, agentScopes, options.timeoutMs));
  log(`endpoint change: p99 ${endpointChange.endToEndMs.p99} ms, ${endpointChange.bytesPerAgent.p50} bytes per agent`);
  return {
    services: options.fanoutServices,
    scopes: scopes.length,
    agents: options.agents,
    processes: Math.min(options.processes, options.agents),
    initialPublishMs: round(initialPublishMs),
    coldStartMs,
    routeChanges,
    endpointChange,
    rejected: pool.rejected.slice(0, 10),
  };
}
