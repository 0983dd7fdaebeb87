/**
 * The single-agent measures on the full-size mesh: the real pipeline publishes every scope, and the agent as
 * deployed (apps/agent/dist on plain Node 24, etcd store, state folder) follows one of them. Measures its full
 * resync (a fresh agent: subscribe → the scope applied), its RSS before and after holding the scope, and one
 * endpoint change and one route edit end to end, with the pipeline's cost over all scopes.
 */
import { AGENT_NODE_FLAGS } from '@weft/agent';
import { agentIdOf } from '@weft/bus';
import type { Bus } from '@weft/bus';
import { BuiltAgent, gaugeMb } from './built-agent.js';
import type { ProcessMemory } from './built-agent.js';
import { roundTimings } from './change-figures.js';
import type { ChangeFigures } from './change-figures.js';
import { EditableMesh, meshShape } from './mesh-edits.js';
import type { FanoutOptions } from './options.js';
import { PublishingPipeline } from './publish-pass.js';
import type { PassResult } from './publish-pass.js';
import { percentile, round } from './stats.js';

const RESYNC_TRIES = 3;
/** The agent as deployed runs with its own V8 flags (bin/weft-agent.mjs); the comparison run goes without them. */
const DEPLOYED_FLAGS = AGENT_NODE_FLAGS;
const PLAIN_FLAGS: readonly string[] = [];
const NAMESPACE = 'bench';
/** After applying, the agent idles this long before its memory is read (V8 returns freed pages lazily). */
const SETTLE_MS = 3_000;

export interface AgentMemory {
  /** Connected and waiting for its assignment: Node, the libraries, the etcd and health servers. */
  readonly beforeScopeRssMb: number;
  /** Holding the scope, after it settled. */
  readonly withScopeRssMb: number;
  /** That resident set split: the process's own memory (RssAnon) and mapped file pages, mostly the node binary (RssFile). */
  readonly withScopeAnonMb: number;
  readonly withScopeFileMb: number;
  /** Before the scope, the same split. */
  readonly beforeScopeAnonMb: number;
  /** The highest RSS it reached (the full state's JSON parse and gunzip). */
  readonly peakRssMb: number;
  /** From its /metrics (prom-client): live JS heap and memory outside it (Buffers: the etcd store's values). */
  readonly heapUsedMb: number;
  readonly externalMb: number;
}

export interface AgentChange {
  readonly what: string;
  /** The change made → this agent's etcd store holds it (its 'applied' log line). */
  readonly endToEndMs: number;
  /** The agent's own receive → stores applied. */
  readonly agentApplyMs: number;
  /** Bytes the agent received for it: the delta record as stored. */
  readonly bytes: number;
  readonly scopesPublished: number;
  readonly pipelineMs: ChangeFigures['pipelineMs'];
}

export interface SingleAgentFigures {
  readonly services: number;
  readonly scopes: number;
  /** Resources in the followed scope. */
  readonly resources: number;
  /** Bytes of the scope's checkpoint as stored (gzip). */
  readonly checkpointBytes: number;
  /** The pipeline's first pass over every scope of the mesh (translate, hash, validate, checkpoint, publish). */
  readonly initialPipelineMs: ChangeFigures['pipelineMs'];
  /** RSS of this process after the first pass: the pipeline's translator, world and per-scope states. */
  readonly controlPlaneRssMb: number;
  /**
   * A fresh agent: subscribe ('following scope') → its etcd store serves the full state (median of the tries; as the
   * earlier figure was measured). The 'applied' line comes after it also kept the state on disk: `withPersistMs`.
   */
  readonly fullResyncMs: number;
  readonly fullResyncTriesMs: readonly number[];
  readonly fullResyncWithPersistMs: number;
  /** The agent's own figure for that apply (receive → stores applied). */
  readonly fullApplyMs: number;
  readonly memory: AgentMemory;
  /** The agent's V8 flags (AGENT_NODE_FLAGS), which the measures above ran with. */
  readonly nodeFlags: readonly string[];
  /** The same agent on plain Node, without its V8 flags: its memory and full resync. */
  readonly plainNode: { readonly fullResyncMs: number; readonly memory: AgentMemory };
  readonly endpointChange: AgentChange;
  readonly routeChange: AgentChange;
}

export async function runSingleAgent(bus: Bus, natsUrl: string, options: FanoutOptions, log: (line: string) => void): Promise<SingleAgentFigures> {
  const mesh = new EditableMesh(meshShape(options.services));
  const pipeline = new PublishingPipeline(bus);
  const initial = await pipeline.apply(mesh.objects);
  const scope = pipeline.scopes[0] ?? '';
  const resources = pipeline.resourceCount(scope);
  const controlPlaneRssMb = round(process.memoryUsage.rss() / 2 ** 20);
  log(`single agent: ${options.services} Services, ${pipeline.scopes.length} scopes published in ${round(initial.timings.totalMs)} ms; following ${scope} (${resources} resources)`);

  const tries: { readonly resyncMs: number; readonly persistMs: number; readonly applyMs: number; readonly memory: AgentMemory }[] = [];
  let agent: BuiltAgent | undefined;
  /** A fresh agent (its own pod and state folder) following the scope from nothing. */
  const resync = async (pod: string, nodeFlags: readonly string[]): Promise<{ readonly resyncMs: number; readonly persistMs: number; readonly applyMs: number; readonly memory: AgentMemory }> => {
    await agent?.stop();
    agent = BuiltAgent.start({ natsUrl, cluster: bus.cluster, namespace: NAMESPACE, pod, nodeFlags });
    await agent.waitForLine('waiting for the assignment', (l) => l['msg'] === 'waiting for the scope assignment');
    await settle();
    const before = agent.memory();
    await bus.publishAssignment(agentIdOf(NAMESPACE, pod), scope);
    const following = await agent.waitForLine('following the scope', (l) => l['msg'] === 'following scope');
    const applied = await agent.waitForLine('the scope applied', (l) => l['msg'] === 'applied', options.timeoutMs);
    await settle();
    const memory = await memoryOf(agent, before);
    const persistMs = Number(applied['persistMs']);
    const result = { resyncMs: logTime(applied) - logTime(following) - persistMs, persistMs, applyMs: Number(applied['applyMs']), memory };
    log(`single agent ${nodeFlags.length === 0 ? '(no V8 flags)' : nodeFlags.join(' ')}: full resync ${round(result.resyncMs)} ms (+${round(persistMs)} ms to keep it on disk), RSS ${before.rssMb} MB before the scope, ${memory.withScopeRssMb} MB with it (peak ${memory.peakRssMb})`);
    return result;
  };
  try {
    const plainTry = await resync('single-plain', PLAIN_FLAGS);
    for (let i = 0; i < RESYNC_TRIES; i++) tries.push(await resync(`single-${i}`, DEPLOYED_FLAGS));
    const running = agent as BuiltAgent;
    const endpointChange = await change(running, `one endpoint of ${mesh.unreadyOneEndpoint()} unready`);
    const routeChange = await change(running, `HTTPRoute ${mesh.editRoute()} edited`);
    const median = [...tries].sort((a, b) => a.resyncMs - b.resyncMs)[Math.floor(tries.length / 2)] ?? tries[0];
    return {
      services: options.services,
      scopes: pipeline.scopes.length,
      resources,
      checkpointBytes: initial.checkpointBytes.get(scope) ?? 0,
      initialPipelineMs: roundTimings(initial.timings),
      controlPlaneRssMb,
      fullResyncMs: round(percentile(tries.map((t) => t.resyncMs), 0.5)),
      fullResyncTriesMs: tries.map((t) => round(t.resyncMs)),
      fullResyncWithPersistMs: round(percentile(tries.map((t) => t.resyncMs + t.persistMs), 0.5)),
      fullApplyMs: round(median?.applyMs ?? 0),
      memory: median?.memory ?? { beforeScopeRssMb: 0, withScopeRssMb: 0, withScopeAnonMb: 0, withScopeFileMb: 0, beforeScopeAnonMb: 0, peakRssMb: 0, heapUsedMb: 0, externalMb: 0 },
      nodeFlags: DEPLOYED_FLAGS,
      plainNode: { fullResyncMs: round(plainTry.resyncMs), memory: plainTry.memory },
      endpointChange,
      routeChange,
    };
  } finally {
    await agent?.stop();
  }

  /** Publishes the mesh as edited and waits for the agent's 'applied' line of its scope's new version. */
  async function change(running: BuiltAgent, what: string): Promise<AgentChange> {
    const pass: PassResult = await pipeline.apply(mesh.objects);
    const version = pass.versions.get(scope);
    if (version === undefined) throw new Error(`${what}: scope ${scope} was not republished`);
    const applied = await running.waitForLine(`version ${version} applied`, (l) => l['msg'] === 'applied' && l['version'] === version, options.timeoutMs);
    const figures: AgentChange = {
      what,
      endToEndMs: round(logTime(applied) - pass.startedAt),
      agentApplyMs: round(Number(applied['applyMs'])),
      bytes: pass.run.published.find((p) => p.scope === scope)?.deltaBytes ?? 0,
      scopesPublished: pass.versions.size,
      pipelineMs: roundTimings(pass.timings),
    };
    log(`single agent: ${what}: applied ${figures.endToEndMs} ms after the change (agent ${figures.agentApplyMs} ms, ${figures.bytes} B; pipeline ${figures.pipelineMs.totalMs} ms over ${figures.scopesPublished} scopes)`);
    return figures;
  }
}

async function memoryOf(agent: BuiltAgent, before: ProcessMemory): Promise<AgentMemory> {
  const now = agent.memory();
  const metrics = await agent.metrics();
  return {
    beforeScopeRssMb: before.rssMb,
    withScopeRssMb: now.rssMb,
    withScopeAnonMb: now.anonMb,
    withScopeFileMb: now.fileMb,
    beforeScopeAnonMb: before.anonMb,
    peakRssMb: now.peakRssMb,
    heapUsedMb: gaugeMb(metrics, 'weft_nodejs_heap_size_used_bytes'),
    externalMb: gaugeMb(metrics, 'weft_nodejs_external_memory_bytes'),
  };
}

/** A pino line's time (ISO 8601, ms) as epoch ms. */
function logTime(line: Record<string, unknown>): number {
  const time = line['time'];
  return typeof time === 'number' ? time : Date.parse(String(time));
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}
