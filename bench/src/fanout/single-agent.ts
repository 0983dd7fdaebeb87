/**
 * The single-agent measures on the full-size mesh: one child process with exactly one agent following one scope.
 * The real pipeline runs with translate keeping only that scope, so it hashes, validates, diffs and publishes just
 * one (every scope would take minutes per pass at this size); its per-scope cost is reported.
 */
import type { Bus } from '@weft/bus';
import { AgentPool } from './agent-pool.js';
import { appliedByAll, changeFigures, roundTimings } from './change-figures.js';
import type { ChangeFigures } from './change-figures.js';
import { EditableMesh, meshShape } from './mesh-edits.js';
import type { FanoutOptions } from './options.js';
import { PublishingPipeline } from './publish-pass.js';
import type { AppliedReport, MemoryReport } from './protocol.js';
import { mib, percentile, round } from './stats.js';

const MAX_SNAPSHOT_BYTES = 64 * 2 ** 20;
const RESYNC_TRIES = 3;

export interface SingleAgentFigures {
  readonly services: number;
  readonly scopes: number;
  /** Bytes of the scope's full state as received (gzip, all chunks). The memory figures are of the median try. */
  readonly fullStateBytes: number;
  /** Subscribe without a version → full state applied (median of the tries, each a fresh process). */
  readonly fullResyncMs: number;
  readonly fullResyncTriesMs: readonly number[];
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly externalMb: number;
  /** RSS and heap of the same child before it connected: Node, the tsx loader and the libraries. */
  readonly baselineRssMb: number;
  readonly baselineHeapUsedMb: number;
  /** The pipeline's work for this one scope on the first publish (assignments: this scope's workloads). */
  readonly pipelinePerScopeMs: ChangeFigures['pipelineMs'];
  readonly endpointChange: ChangeFigures;
  readonly routeChange: ChangeFigures;
}

export async function runSingleAgent(bus: Bus, natsUrl: string, options: FanoutOptions, log: (line: string) => void): Promise<SingleAgentFigures> {
  const mesh = new EditableMesh(meshShape(options.services));
  let chosen: string | undefined;
  const pipeline = new PublishingPipeline(bus, (ids) => (chosen ??= ids[0] ?? ''));
  const initial = await pipeline.apply(mesh.objects);
  const scope = chosen ?? '';
  const scopes = pipeline.allScopes;
  log(`single agent: ${options.services} Services, scope ${scope} published (1 of ${scopes})`);
  const agentScopes = new Map([['bench-single-agent', scope]]);
  const startAgent = () =>
    AgentPool.start({
      natsUrl,
      cluster: bus.cluster,
      agents: [{ agent: 'bench-single-agent', scope }],
      processes: 1,
      maxSnapshotBytes: MAX_SNAPSHOT_BYTES,
      reportMemory: true,
    });
  // Each try is a fresh process subscribing without a version; the last one stays for the changes.
  const resyncs: { readonly report: AppliedReport; readonly memory: MemoryReport | undefined }[] = [];
  let pool = await startAgent();
  try {
    for (let i = 0; ; i++) {
      const [report] = await appliedByAll(pool, initial, agentScopes, options.timeoutMs);
      if (report === undefined) throw new Error('the single agent reported nothing');
      await pool.until('the single agent reporting its memory', () => pool.memory.length > 0, options.timeoutMs);
      resyncs.push({ report, memory: pool.memory[0] });
      log(`single agent: full resync ${round(report.appliedAt - report.subscribedAt)} ms, RSS ${mib(pool.memory[0]?.rssBytes ?? 0)} MB`);
      if (i + 1 >= RESYNC_TRIES) break;
      await pool.close();
      pool = await startAgent();
    }
    return { ...(await measureChanges(pool)), ...resyncFigures(resyncs) };
  } finally {
    await pool.close();
  }

  async function measureChanges(agentPool: AgentPool): Promise<Pick<SingleAgentFigures, 'endpointChange' | 'routeChange'>> {
    mesh.unreadyOneEndpoint();
    let pass = await pipeline.apply(mesh.objects);
    const endpointChange = changeFigures('one endpoint unready', pass, await appliedByAll(agentPool, pass, agentScopes, options.timeoutMs));
    mesh.editRoute();
    pass = await pipeline.apply(mesh.objects);
    const routeChange = changeFigures('HTTPRoute edited', pass, await appliedByAll(agentPool, pass, agentScopes, options.timeoutMs));
    return { endpointChange, routeChange };
  }

  function resyncFigures(tries: typeof resyncs): Omit<SingleAgentFigures, 'endpointChange' | 'routeChange'> {
    const times = tries.map((r) => r.report.appliedAt - r.report.subscribedAt);
    // The figures of the median try.
    const median = [...tries].sort((a, b) => a.report.appliedAt - a.report.subscribedAt - (b.report.appliedAt - b.report.subscribedAt))[Math.floor(tries.length / 2)];
    const first = median?.report;
    const memory = median?.memory;
    return {
      services: options.services,
      scopes,
      fullStateBytes: first?.bytes ?? 0,
      fullResyncMs: round(percentile(times, 0.5)),
      fullResyncTriesMs: times.map((ms) => round(ms)),
      rssMb: mib(memory?.rssBytes ?? 0),
      heapUsedMb: mib(memory?.heapUsedBytes ?? 0),
      externalMb: mib(memory?.externalBytes ?? 0),
      baselineRssMb: mib(memory?.baselineRssBytes ?? 0),
      baselineHeapUsedMb: mib(memory?.baselineHeapUsedBytes ?? 0),
      pipelinePerScopeMs: roundTimings(initial.timings),
    };
  }
}
