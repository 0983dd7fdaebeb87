import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APISIX_KINDS } from '@weft/model';
import type { SnapshotMeta } from '@weft/model';
import { ContentState, deltaJson } from '@weft/snapshot';
import { mkResources, mkRoute, mkUpstream } from '@weft/snapshot/testing';
import { createLogger } from '@weft/telemetry';
import type { PersistRecord, StoreUpdate } from './applier.js';
import { REVISION_BLOCK } from './revision-reservation.js';
import { ServingStores } from './serving.js';
import type { ServingOptions } from './serving.js';

const logger = createLogger({ component: 'test', level: 'silent' });
const stateOf = (routes: string[]) => ContentState.from({ resources: mkResources({ upstreams: [mkUpstream('web')], routes: routes.map((id) => mkRoute(id)) }), trustBundle: [] });
const metaOf = (version: string, state: ContentState): SnapshotMeta => ({ schema: '1.0', cluster: 'c1', scope: 'ns-a', version, hash: state.hash });

/** A whole-state update and the record to persist it, as the applier makes them. */
function whole(version: string, state: ContentState): { update: StoreUpdate; record: PersistRecord } {
  const meta = metaOf(version, state);
  return {
    update: {
      meta,
      changes: undefined,
      *all() {
        for (const kind of APISIX_KINDS) for (const e of state.entries(kind)) yield { kind, id: e.id, json: e.json };
      },
    },
    record: { meta, delta: undefined, contentJson: () => state.toJson() },
  };
}

async function routeKeys(endpoint: string): Promise<{ revision: number; keys: string[] }> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const res = await fetch(`${endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('/apisix/routes/'), range_end: b64('/apisix/routes0') }) });
  const body = (await res.json()) as { header: { revision: string }; kvs?: { key: string }[] };
  return { revision: Number(body.header.revision), keys: (body.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString()).filter((k) => k !== '/apisix/routes/') };
}

describe('ServingStores', () => {
  let dir: string;
  let options: ServingOptions;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-agent-serving-'));
    options = { mode: 'both', etcdHost: '127.0.0.1', etcdPort: 0, apisixYaml: join(dir, 'conf', 'apisix.yaml'), stateDir: join(dir, 'state'), maxSnapshotBytes: 1 << 20, keepLastApplied: true, logger };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves what it applied in both stores, and a restart serves it again at once with revisions above the old ones', async () => {
    const first = await ServingStores.open(options);
    expect(first.restored).toBeUndefined();
    const s1 = whole('7', stateOf(['r1', 'r2']));
    await first.stores.apply(s1.update);
    await first.stores.persist(s1.record);
    const before = await routeKeys(first.stores.etcdEndpoint ?? '');
    expect(before.keys).toEqual(['/apisix/routes/r1', '/apisix/routes/r2']);
    expect(await readFile(options.apisixYaml, 'utf8')).toContain('id: r2');
    await first.stores.close();

    const second = await ServingStores.open(options);
    expect(second.restored?.meta).toEqual(s1.update.meta);
    const after = await routeKeys(second.stores.etcdEndpoint ?? '');
    expect(after.keys).toEqual(before.keys);
    // The restored baseline sits above every revision the first run could have handed out.
    expect(after.revision).toBeGreaterThan(before.revision + REVISION_BLOCK - 1);
    await second.stores.close();
  });

  it('applies a change as only its keys, keeps it as a journal line, and a restart replays the journal', async () => {
    const first = await ServingStores.open(options);
    const base = stateOf(['r1', 'r2']);
    const s1 = whole('3', base);
    await first.stores.apply(s1.update);
    await first.stores.persist(s1.record);
    const revisionBefore = first.stores.revision ?? 0;
    // r2 goes, r3 comes: one etcd revision, a journal line, the base file untouched.
    const change = base.update({ changes: { routes: { upserted: [mkRoute('r3')], deleted: ['r2'] } } });
    const meta = metaOf('5', base);
    await first.stores.apply({ meta, changes: [{ kind: 'routes', id: 'r2', json: undefined }, { kind: 'routes', id: 'r3', json: base.get('routes', 'r3')?.json }], all: () => [] });
    const baseFile = await readFile(join(options.stateDir, 'last-applied.json'), 'utf8');
    await first.stores.persist({ meta, delta: { baseVersion: '3', json: deltaJson(change) }, contentJson: () => base.toJson() });
    expect(await readFile(join(options.stateDir, 'last-applied.json'), 'utf8')).toBe(baseFile);
    expect((await readFile(join(options.stateDir, 'last-applied.journal'), 'utf8')).split('\n')).toHaveLength(2);
    expect(first.stores.revision).toBe(revisionBefore + 1);
    expect((await routeKeys(first.stores.etcdEndpoint ?? '')).keys).toEqual(['/apisix/routes/r1', '/apisix/routes/r3']);
    await first.stores.close();

    // A crash mid-append leaves half a line: it is cut off, the lines before it count.
    await writeFile(join(options.stateDir, 'last-applied.journal'), `${await readFile(join(options.stateDir, 'last-applied.journal'), 'utf8')}{"baseVersion":"5","del`);
    const second = await ServingStores.open(options);
    expect(second.restored?.meta).toEqual(meta);
    expect(second.restored?.state.hash).toBe(base.hash);
    expect((await routeKeys(second.stores.etcdEndpoint ?? '')).keys).toEqual(['/apisix/routes/r1', '/apisix/routes/r3']);
    expect(await readFile(join(options.stateDir, 'last-applied.journal'), 'utf8')).toMatch(/\}\n$/);
    await second.stores.close();
  });

  it('ignores a last-applied file that does not verify, and starts empty', async () => {
    const first = await ServingStores.open(options);
    const s1 = whole('3', stateOf(['r1']));
    await first.stores.apply(s1.update);
    await first.stores.persist(s1.record);
    await first.stores.close();
    const path = join(options.stateDir, 'last-applied.json');
    const saved = JSON.parse(await readFile(path, 'utf8')) as { snapshot: { meta: { hash: string } } };
    saved.snapshot.meta.hash = '0'.repeat(64);
    await writeFile(path, JSON.stringify(saved));
    const second = await ServingStores.open(options);
    expect(second.restored).toBeUndefined();
    expect((await routeKeys(second.stores.etcdEndpoint ?? '')).keys).toEqual([]);
    await second.stores.close();
    await writeFile(path, '{ not json');
    const third = await ServingStores.open(options);
    expect(third.restored).toBeUndefined();
    await third.stores.close();
  });

  it('in yaml mode runs no etcd API and writes only the file', async () => {
    const { stores } = await ServingStores.open({ ...options, mode: 'yaml' });
    expect(stores.etcdEndpoint).toBeUndefined();
    await stores.apply(whole('1', stateOf(['r1'])).update);
    expect(await readFile(options.apisixYaml, 'utf8')).toMatch(/id: r1[\s\S]*#END\n$/);
    await stores.close();
  });
});
