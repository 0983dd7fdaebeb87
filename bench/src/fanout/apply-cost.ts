/**
 * The agent's own work per version, without NATS and without other processes, so it can be measured on a busy
 * machine (CPU time, not wall time): the control plane's pipeline publishes the benchmark mesh into memory, the
 * route edits' delta records are encoded as the bus sends them, and S agents per scope (each its own SnapshotApplier
 * and ServingStores with a state folder, serving its namespace's client view) decode and apply every version one
 * after the other. Prints the CPU per agent per version split into decode (sha256, gunzip, JSON), apply (state
 * update, hash, validation, etcd store) and persist (journal), and the status document's encoding.
 *
 *   npx tsx --conditions=development bench/src/fanout/apply-cost.ts [--services 500] [--agents 300] [--edits 30]
 *     [--target stores|memory] [--deltas text|object] [--profile FILE]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clientViewOf, ServingStores, SnapshotApplier } from '@weft/agent';
import type { ApplyTarget } from '@weft/agent';
import { decodeBody, encodeBody, formatVersion } from '@weft/bus';
import type { EncodedBody, FullState, PublishResult } from '@weft/bus';
import { createControlPlaneMetrics, MeshPipeline } from '@weft/control-plane';
import type { ObjectSet } from '@weft/k8s';
import { SNAPSHOT_SCHEMA } from '@weft/model';
import { createLogger, createMetricsRegistry } from '@weft/telemetry';
import { createTranslator } from '@weft/translate';
import { EditableMesh, meshShape } from './mesh-edits.js';
import { round } from './stats.js';

interface Version {
  readonly scope: string;
  readonly version: string;
  readonly baseVersion: string | undefined;
  readonly hash: string;
  readonly full: string;
  readonly delta: EncodedBody | undefined;
}

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '500' },
    agents: { type: 'string', default: '300' },
    edits: { type: 'string', default: '30' },
    target: { type: 'string', default: 'stores' },
    profile: { type: 'string' },
    // `object`: deltas parsed by the bus and encoded again per resource, as before the agent read them as text.
    deltas: { type: 'string', default: 'text' },
  },
});
const services = Number(values.services);
const agentCount = Number(values.agents);
const edits = Number(values.edits);
const MAX_BYTES = 64 * 2 ** 20;
const silent = createLogger({ component: 'bench-apply-cost', level: 'silent' });

/** The pipeline's versions, kept in memory as the bus would send them (delta bodies encoded, full states as text). */
class MemoryPublisher {
  readonly versions: Version[] = [];
  readonly namespaces = new Map<string, string>();
  readonly #heads = new Map<string, string>();
  #seq = 0;

  async publishScope(scope: string, full: FullState, delta?: { readonly json?: string; readonly document?: unknown }): Promise<PublishResult> {
    const version = formatVersion(++this.#seq);
    const baseVersion = this.#heads.get(scope);
    const body = delta === undefined || baseVersion === undefined ? undefined : await encodeBody(delta.json === undefined ? { value: delta.document } : { json: delta.json }, { compressAboveBytes: 4096 });
    const text = full.json?.() ?? JSON.stringify(full.document);
    this.versions.push({ scope, version, baseVersion, hash: full.hash, full: text, delta: body });
    this.#heads.set(scope, version);
    return { scope, version, hash: full.hash, published: true, record: body === undefined ? 'reset' : 'delta', messages: 1, deltaBytes: body?.bytes.length ?? 0, checkpoint: body === undefined, fullBytes: text.length };
  }

  publishAssignment(agent: string, scope: string): Promise<void> {
    if (!this.namespaces.has(scope)) this.namespaces.set(scope, agent.slice(0, agent.indexOf('_')));
    return Promise.resolve();
  }

  deleteAssignment(): Promise<void> {
    return Promise.resolve();
  }
}

const memoryTarget: ApplyTarget = { apply: () => Promise.resolve(), persist: () => Promise.resolve() };

async function main(): Promise<void> {
  const mesh = new EditableMesh(meshShape(services));
  const publisher = new MemoryPublisher();
  const translator = createTranslator();
  const pipeline = new MeshPipeline({
    log: createLogger({ component: 'bench-apply-cost', level: 'warn', destination: process.stderr }),
    metrics: createControlPlaneMetrics(createMetricsRegistry()),
    clusterDomain: 'cluster.local',
    translate: (world) => translator.translate(world),
    publisher,
    trustBundle: () => [],
  });
  const pass = async (): Promise<void> => {
    await pipeline.apply({ objects: mesh.objects, reasons: ['bench'], problems: [], waitedMs: 0 } satisfies ObjectSet);
  };
  await pass();
  const initial = [...publisher.versions];
  for (let i = 0; i < edits; i++) {
    mesh.editRoute();
    await pass();
  }
  const deltas = publisher.versions.slice(initial.length);
  if (deltas.some((v) => v.delta === undefined)) throw new Error('an edit was published as a reset, not a delta');

  const stateRoot = mkdtempSync(join(tmpdir(), 'weft-apply-cost-'));
  const agents: { readonly scope: string; readonly applier: SnapshotApplier; readonly stores: ServingStores | undefined }[] = [];
  try {
    for (let i = 0; i < agentCount; i++) {
      const first = initial[i % initial.length] as Version;
      let stores: ServingStores | undefined;
      if (values.target === 'stores') {
        const opened = await ServingStores.open({ mode: 'etcd', etcdHost: '127.0.0.1', etcdPort: 0, apisixYaml: '', stateDir: join(stateRoot, String(i)), maxSnapshotBytes: MAX_BYTES, keepLastApplied: true, logger: silent });
        stores = opened.stores;
      }
      const view = clientViewOf(publisher.namespaces.get(first.scope) ?? '');
      const applier = new SnapshotApplier(stores ?? memoryTarget, { maxSnapshotBytes: MAX_BYTES, ...(view === undefined ? {} : { storeEntry: view }) });
      const outcome = await applier.full({ cluster: 'bench', scope: first.scope, version: first.version, hash: first.hash, schema: SNAPSHOT_SCHEMA }, first.full, performance.now());
      if (outcome.type !== 'applied') throw new Error(`full state not applied: ${JSON.stringify(outcome)}`);
      agents.push({ scope: first.scope, applier, stores });
    }
    const resources = agents.reduce((n, a) => n + a.applier.resourceCount, 0) / Math.max(1, agents.length);
    console.error(`${agentCount} agents on ${initial.length} scopes (${round(resources, 0)} resources each), ${deltas.length} delta versions over ${edits} route edits`);

    let session: Session | undefined;
    if (values.profile !== undefined) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
    }
    const ms = { decode: 0, apply: 0, persist: 0, status: 0 };
    let applied = 0;
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    for (const version of deltas) {
      const body = version.delta as EncodedBody;
      const meta = { cluster: 'bench', scope: version.scope, version: version.version, baseVersion: version.baseVersion ?? '', hash: version.hash, schema: SNAPSHOT_SCHEMA };
      for (const agent of agents) {
        if (agent.scope !== version.scope) continue;
        const t0 = performance.now();
        // As text, as the agent's follower asks the bus for deltas.
        const document = await decodeBody(body.encoding, body.bytes, body.sha256, { asText: values.deltas === 'text' });
        const t1 = performance.now();
        const outcome = await agent.applier.delta(meta, document, t1);
        const t2 = performance.now();
        if (outcome.type !== 'applied') throw new Error(`version ${version.version} not applied: ${JSON.stringify(outcome)}`);
        // What reportStatus encodes for each version (the publish itself is NATS work).
        const status = JSON.stringify({ agent: 'bench_agent', scope: version.scope, appliedVersion: outcome.meta.version, hash: outcome.meta.hash, applyLatencyMs: outcome.durationMs, lastError: null, at: new Date().toISOString() });
        const t3 = performance.now();
        ms.decode += t1 - t0;
        ms.apply += outcome.durationMs;
        ms.persist += t2 - t1 - outcome.durationMs;
        ms.status += t3 - t2;
        if (status.length === 0) throw new Error('no status document');
        applied++;
      }
    }
    const wallMs = performance.now() - wallStart;
    const cpu = process.cpuUsage(cpuStart);
    if (session !== undefined && values.profile !== undefined) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await writeFile(values.profile, JSON.stringify(profile));
    }
    const per = (n: number): number => round(n / Math.max(1, applied), 4);
    const result = {
      services,
      agents: agentCount,
      target: values.target,
      deltas: values.deltas,
      resourcesPerAgent: round(resources, 0),
      versionsApplied: applied,
      cpuMsPerVersion: per((cpu.user + cpu.system) / 1000),
      cpuUserMsPerVersion: per(cpu.user / 1000),
      cpuSystemMsPerVersion: per(cpu.system / 1000),
      wallMsPerVersion: per(wallMs),
      wallSplitMsPerVersion: { decode: per(ms.decode), apply: per(ms.apply), persist: per(ms.persist), status: per(ms.status) },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await Promise.allSettled(agents.map((a) => a.stores?.close() ?? Promise.resolve()));
    rmSync(stateRoot, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
