/**
 * Snapshot micro benchmark: a 10,000-Service scope (10,000 upstreams, 10,000 routes), then one endpoint change.
 * Run: npx tsx --conditions=development bench/src/snapshot/main.ts [services]
 */
import type { ApisixResources, ApisixUpstream } from '@weft/model';
import { applySnapshotDelta, buildSnapshot, contentHash, diffSnapshots, snapshotByteSize, validateSnapshot } from '@weft/snapshot';
import { mkLargeResources } from '@weft/snapshot/testing';

const services = Number(process.argv[2] ?? 10_000);
const rounds = 7;

/** Median wall time of `rounds` runs, in ms; `prepare` runs untimed before each. */
function time<T, P = undefined>(run: (prepared: P) => T, prepare: () => P = () => undefined as P): { ms: number; result: T } {
  const samples: number[] = [];
  let result = run(prepare());
  for (let i = 0; i < rounds; i++) {
    const prepared = prepare();
    const start = process.hrtime.bigint();
    result = run(prepared);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { ms: Math.round((samples[Math.floor(samples.length / 2)] ?? 0) * 100) / 100, result };
}

/** The same config in brand-new objects, as a fresh translation would hand it over. */
function fresh(resources: ApisixResources): ApisixResources {
  return structuredClone<ApisixResources>(resources);
}

function withOneNodeAdded(resources: ApisixResources, index: number): ApisixResources {
  const upstreams = resources.upstreams.map((u, i): ApisixUpstream =>
    i === index ? { ...u, nodes: [...u.nodes, { host: '10.250.0.1', port: 8080, weight: 1 }] } : u,
  );
  return { ...resources, upstreams };
}

const meta = { cluster: 'bench', scope: 'all' };
const input = mkLargeResources(services);

const hashFresh = time((r) => contentHash(r, []), () => fresh(input));
const buildFresh = time((r) => buildSnapshot({ ...meta, version: 1n, resources: r }), () => fresh(input));
const v1 = buildFresh.result;
const hashBuilt = time(() => contentHash(v1.resources, v1.trustBundle));
const validate = time(() => validateSnapshot(v1, { maxBytes: 64 * 1024 * 1024 }));

// One endpoint change, objects shared with the previous snapshot (an incremental translate).
const changedShared = withOneNodeAdded(v1.resources, Math.floor(services / 2));
const rebuildShared = time(() => buildSnapshot({ ...meta, version: 2n, resources: changedShared }));
const v2 = rebuildShared.result;
const diffShared = time(() => diffSnapshots(v1, v2));
const delta = diffShared.result;
const apply = time(() => applySnapshotDelta(v1, delta));

// The same change, every object new (a full retranslate).
const changedFresh = fresh(changedShared);
const rebuildFresh = time((r) => buildSnapshot({ ...meta, version: 2n, resources: r }), () => fresh(changedFresh));
const diffFresh = time(() => diffSnapshots(v1, rebuildFresh.result));

const deltaBytes = Buffer.byteLength(JSON.stringify(delta));
const figures = {
  services,
  snapshotBytes: snapshotByteSize(v1),
  problems: validate.result.length,
  ms: {
    hashFreshObjects: hashFresh.ms,
    buildFromFreshObjects: buildFresh.ms,
    hashBuiltSnapshot: hashBuilt.ms,
    validate: validate.ms,
    rebuildAfterOneChangeShared: rebuildShared.ms,
    diffAfterOneChangeShared: diffShared.ms,
    applyDelta: apply.ms,
    rebuildAfterOneChangeFresh: rebuildFresh.ms,
    diffAfterOneChangeFresh: diffFresh.ms,
  },
  deltaBytes,
  deltaChanges: Object.values(delta.changes).reduce((n, c) => n + c.upserted.length + c.deleted.length, 0),
};

console.log(JSON.stringify(figures));
console.table(Object.entries(figures.ms).map(([step, ms]) => ({ step, ms })));
console.log(`snapshot ${(figures.snapshotBytes / 1024 / 1024).toFixed(1)} MiB, delta ${deltaBytes} B for ${figures.deltaChanges} change(s)`);
