/**
 * Where one agent's full resync goes, without NATS: the control plane's pipeline publishes the benchmark mesh into
 * memory, the largest scope's full state is encoded as the bus sends it, and a fresh agent (SnapshotApplier and
 * ServingStores with a state folder, serving its namespace's client view) takes it, several times. Prints the wall
 * time per phase: decode (sha256, gunzip, UTF-8), state (split, parse, validate, hash), stores (client view, etcd
 * store load), persist (journal), and the process's CPU time for all of it (wall time on a busy machine is mostly
 * waiting for a CPU). Run it with the agent's V8 flags to see what the deployed agent sees:
 *
 *   npx tsx --conditions=development --max-semi-space-size=1 bench/src/fanout/full-cost.ts [--services 10000]
 *     [--tries 5] [--edits 10] [--profile FILE] [--object-view]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clientViewOf, ServingStores, SnapshotApplier } from '@weft/agent';
import type { ApplyTarget, PersistRecord, StoreEntryTransform, StoreUpdate } from '@weft/agent';
import { decodeBody, encodeBody, formatVersion } from '@weft/bus';
import type { FullState, PublishResult } from '@weft/bus';
import { createControlPlaneMetrics, MeshPipeline } from '@weft/control-plane';
import type { ObjectSet } from '@weft/k8s';
import { SNAPSHOT_SCHEMA } from '@weft/model';
import type { ApisixKind, ApisixResource } from '@weft/model';
import { canonicalJson, ContentState, diffResources, parseJsonText } from '@weft/snapshot';
import type { SnapshotContent } from '@weft/snapshot';
import { createLogger, createMetricsRegistry } from '@weft/telemetry';
import { createTranslator } from '@weft/translate';
import { EditableMesh, meshShape } from './mesh-edits.js';
import { percentile, round } from './stats.js';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    tries: { type: 'string', default: '5' },
    edits: { type: 'string', default: '10' },
    profile: { type: 'string' },
    // The client view through objects (parse, transform, encode each rewritten route), as before its text rewrite.
    'object-view': { type: 'boolean', default: false },
  },
});
const MAX_BYTES = 64 * 2 ** 20;
const silent = createLogger({ component: 'bench-full-cost', level: 'silent' });

interface Published {
  readonly scope: string;
  readonly version: string;
  readonly hash: string;
  readonly text: string;
}

/** Keeps each scope's full state as text, as the publisher writes it. */
class MemoryPublisher {
  readonly states: Published[] = [];
  readonly namespaces = new Map<string, string>();
  #seq = 0;

  publishScope(scope: string, full: FullState): Promise<PublishResult> {
    const version = formatVersion(++this.#seq);
    const text = full.json?.() ?? JSON.stringify(full.document);
    this.states.push({ scope, version, hash: full.hash, text });
    return Promise.resolve({ scope, version, hash: full.hash, published: true, record: 'reset', messages: 1, deltaBytes: 0, checkpoint: true, fullBytes: text.length });
  }

  publishAssignment(agent: string, scope: string): Promise<void> {
    if (!this.namespaces.has(scope)) this.namespaces.set(scope, agent.slice(0, agent.indexOf('_')));
    return Promise.resolve();
  }

  deleteAssignment(): Promise<void> {
    return Promise.resolve();
  }
}

/** Times the stores' apply and persist apart (the applier's own work is the rest). */
class TimedTarget implements ApplyTarget {
  applyMs = 0;
  persistMs = 0;

  constructor(private readonly inner: ApplyTarget) {}

  async apply(update: StoreUpdate): Promise<void> {
    const t0 = performance.now();
    await this.inner.apply(update);
    this.applyMs += performance.now() - t0;
  }

  async persist(record: PersistRecord): Promise<void> {
    const t0 = performance.now();
    await this.inner.persist(record);
    this.persistMs += performance.now() - t0;
  }
}

function viewOf(namespace: string): StoreEntryTransform | undefined {
  const view = clientViewOf(namespace);
  if (view === undefined || !values['object-view']) return view;
  const { changes } = view;
  return changes === undefined ? view : Object.assign((kind: ApisixKind, resource: ApisixResource) => view(kind, resource), { changes });
}

async function main(): Promise<void> {
  const services = Number(values.services);
  const tries = Number(values.tries);
  const publisher = new MemoryPublisher();
  const translator = createTranslator();
  const pipeline = new MeshPipeline({
    log: createLogger({ component: 'bench-full-cost', level: 'warn', destination: process.stderr }),
    metrics: createControlPlaneMetrics(createMetricsRegistry()),
    clusterDomain: 'cluster.local',
    translate: (world) => translator.translate(world),
    publisher,
    trustBundle: () => [],
  });
  const mesh = new EditableMesh(meshShape(services));
  await pipeline.apply({ objects: mesh.objects, reasons: ['bench'], problems: [], waitedMs: 0 } satisfies ObjectSet);
  const largest = publisher.states.reduce((a, b) => (b.text.length > a.text.length ? b : a));
  const namespace = publisher.namespaces.get(largest.scope) ?? '';
  const body = await encodeBody({ json: largest.text }, { compressAboveBytes: 4096 });
  console.error(`scope ${largest.scope} (${namespace}): ${round(largest.text.length / 2 ** 20, 1)} MiB of JSON, ${round(body.bytes.length / 2 ** 20, 2)} MiB on the wire`);

  const stateRoot = mkdtempSync(join(tmpdir(), 'weft-full-cost-'));
  let session: Session | undefined;
  const runs: { decode: number; state: number; stores: number; persist: number; total: number; cpu: number }[] = [];
  let resources = 0;
  let routesChanged = 0;
  const clientViewMs = { objects: Infinity, text: Infinity };
  const deltaApplyMs = { object: 0, text: 0 };
  try {
    for (let i = 0; i < tries; i++) {
      if (i === tries - 1 && values.profile !== undefined) {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 200 });
        await session.post('Profiler.start');
      }
      const opened = await ServingStores.open({ mode: 'etcd', etcdHost: '127.0.0.1', etcdPort: 0, apisixYaml: '', stateDir: join(stateRoot, String(i)), maxSnapshotBytes: MAX_BYTES, keepLastApplied: true, logger: silent });
      const target = new TimedTarget(opened.stores);
      const view = viewOf(namespace);
      const applier = new SnapshotApplier(target, { maxSnapshotBytes: MAX_BYTES, ...(view === undefined ? {} : { storeEntry: view }) });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const text = (await decodeBody(body.encoding, body.bytes, body.sha256, { asText: true })) as string;
      const t1 = performance.now();
      const outcome = await applier.full({ cluster: 'bench', scope: largest.scope, version: largest.version, hash: largest.hash, schema: SNAPSHOT_SCHEMA }, text, t1);
      const t2 = performance.now();
      const cpu = process.cpuUsage(cpu0);
      if (outcome.type !== 'applied') throw new Error(`full state not applied: ${JSON.stringify(outcome)}`);
      resources = applier.resourceCount;
      runs.push({ decode: t1 - t0, state: t2 - t1 - target.applyMs - target.persistMs, stores: target.applyMs, persist: target.persistMs, total: t2 - t0, cpu: (cpu.user + cpu.system) / 1000 });
      await opened.stores.close();
    }
    // Route edits after the full state, as deltas onto it (text as the follower reads them, and parsed objects).
    const edits = Number(values.edits);
    let base = largest;
    const deltas: { meta: { cluster: string; scope: string; version: string; baseVersion: string; hash: string; schema: string }; text: string }[] = [];
    for (let i = 0; i < edits; i++) {
      mesh.editRoute();
      publisher.states.length = 0;
      await pipeline.apply({ objects: mesh.objects, reasons: ['bench'], problems: [], waitedMs: 0 } satisfies ObjectSet);
      const next = publisher.states.find((p) => p.scope === largest.scope);
      if (next === undefined) continue;
      const delta = diffResources(parseJsonText(base.text) as SnapshotContent, parseJsonText(next.text) as SnapshotContent);
      deltas.push({ meta: { cluster: 'bench', scope: largest.scope, version: next.version, baseVersion: base.version, hash: next.hash, schema: SNAPSHOT_SCHEMA }, text: canonicalJson(delta) });
      base = next;
    }
    for (const form of ['object', 'text'] as const) {
      const opened = await ServingStores.open({ mode: 'etcd', etcdHost: '127.0.0.1', etcdPort: 0, apisixYaml: '', stateDir: join(stateRoot, `delta-${form}`), maxSnapshotBytes: MAX_BYTES, keepLastApplied: true, logger: silent });
      const view = viewOf(namespace);
      const applier = new SnapshotApplier(opened.stores, { maxSnapshotBytes: MAX_BYTES, ...(view === undefined ? {} : { storeEntry: view }) });
      await applier.full({ cluster: 'bench', scope: largest.scope, version: largest.version, hash: largest.hash, schema: SNAPSHOT_SCHEMA }, largest.text, performance.now());
      const times: number[] = [];
      for (const { meta, text } of deltas) {
        const t0 = performance.now();
        const outcome = await applier.delta(meta, form === 'text' ? text : parseJsonText(text), t0);
        if (outcome.type !== 'applied') throw new Error(`delta ${meta.version} not applied: ${JSON.stringify(outcome)}`);
        times.push(outcome.durationMs);
      }
      deltaApplyMs[form] = times.length === 0 ? 0 : round(percentile(times, 0.5), 2);
      await opened.stores.close();
    }
    if (session !== undefined && values.profile !== undefined) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await writeFile(values.profile, JSON.stringify(profile));
    }
    // How many routes the client view rewrites (labelled with another namespace), and what their store values cost
    // through objects (parse, transform, encode) and from the text (best of the tries: the CPU work, not the waits).
    const state = ContentState.fromJson(largest.text, largest.hash);
    const view = clientViewOf(namespace);
    const rewritten = state.entries('routes').filter((entry) => view?.changes?.('routes', entry.json) !== false);
    routesChanged = rewritten.length;
    for (let i = 0; i < tries && view !== undefined; i++) {
      const t0 = performance.now();
      for (const { json } of rewritten) {
        const out = view('routes', parseJsonText(json) as ApisixResource);
        if (out !== undefined) canonicalJson(out);
      }
      const t1 = performance.now();
      for (const { json } of rewritten) view.rewrite?.('routes', json);
      const t2 = performance.now();
      clientViewMs.objects = Math.min(clientViewMs.objects, t1 - t0);
      clientViewMs.text = Math.min(clientViewMs.text, t2 - t1);
    }
  } finally {
    rmSync(stateRoot, { recursive: true, force: true });
  }
  const median = (pick: (r: (typeof runs)[number]) => number): number => round(percentile(runs.map(pick), 0.5));
  console.log(
    JSON.stringify(
      {
        services,
        scope: largest.scope,
        resources,
        routesRewrittenByClientView: routesChanged,
        clientViewBestMs: { objects: round(clientViewMs.objects), text: round(clientViewMs.text) },
        jsonBytes: largest.text.length,
        wireBytes: body.bytes.length,
        tries,
        clientView: values['object-view'] ? 'objects' : 'text',
        execArgv: process.execArgv.filter((a) => a.startsWith('--max') || a.startsWith('--semi')),
        loadAverage: round(loadavg()[0] ?? 0, 2),
        medianMs: { cpu: median((r) => r.cpu), total: median((r) => r.total), decode: median((r) => r.decode), state: median((r) => r.state), stores: median((r) => r.stores), persist: median((r) => r.persist) },
        totalsMs: runs.map((r) => round(r.total)),
        // Median apply of a one-route delta onto the full state (receipt to stores applied, before persisting).
        routeEditDeltaApplyMs: deltaApplyMs,
      },
      null,
      2,
    ),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
