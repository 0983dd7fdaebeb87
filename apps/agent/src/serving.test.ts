import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSnapshot } from '@weft/snapshot';
import { mkResources, mkRoute, mkUpstream } from '@weft/snapshot/testing';
import { createLogger } from '@weft/telemetry';
import { REVISION_BLOCK } from './revision-reservation.js';
import { ServingStores } from './serving.js';
import type { ServingOptions } from './serving.js';

const logger = createLogger({ component: 'test', level: 'silent' });
const snapshot = (version: string, routes: string[]) =>
  buildSnapshot({ cluster: 'c1', scope: 'ns-a', version, resources: mkResources({ upstreams: [mkUpstream('web')], routes: routes.map((id) => mkRoute(id)) }) });

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
    const s1 = snapshot('7', ['r1', 'r2']);
    await first.stores.apply(s1);
    await first.stores.persist(s1);
    const before = await routeKeys(first.stores.etcdEndpoint ?? '');
    expect(before.keys).toEqual(['/apisix/routes/r1', '/apisix/routes/r2']);
    expect(await readFile(options.apisixYaml, 'utf8')).toContain('id: r2');
    await first.stores.close();

    const second = await ServingStores.open(options);
    expect(second.restored?.meta).toEqual(s1.meta);
    const after = await routeKeys(second.stores.etcdEndpoint ?? '');
    expect(after.keys).toEqual(before.keys);
    // The restored baseline sits above every revision the first run could have handed out.
    expect(after.revision).toBeGreaterThan(before.revision + REVISION_BLOCK - 1);
    await second.stores.close();
  });

  it('ignores a last-applied file that does not verify, and starts empty', async () => {
    const first = await ServingStores.open(options);
    const s1 = snapshot('3', ['r1']);
    await first.stores.apply(s1);
    await first.stores.persist(s1);
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
    await stores.apply(snapshot('1', ['r1']));
    expect(await readFile(options.apisixYaml, 'utf8')).toMatch(/id: r1[\s\S]*#END\n$/);
    await stores.close();
  });
});
