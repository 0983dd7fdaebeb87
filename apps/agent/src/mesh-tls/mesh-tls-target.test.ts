import { readdir, readFile, rm, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApisixResources, ApisixSsl } from '@weft/model';
import { ContentState, validateResource } from '@weft/snapshot';
import { mkResources, mkRoute, mkUpstream } from '@weft/snapshot/testing';
import type { CertificateAuthority } from '@weft/pki';
import { createLogger } from '@weft/telemetry';
import { parse } from 'yaml';
import { SnapshotApplier } from '../applier.js';
import { ServingStores } from '../serving.js';
import { startMeshTls } from './start-mesh-tls.js';
import type { MeshTls } from './start-mesh-tls.js';
import { issueTestSvid, testCa } from './testing-svid.js';

const logger = createLogger({ component: 'test', level: 'silent' });
const NAME = '9080.reviews.default.svc.cluster.local';

/** Translate's inbound layout for app port 9080 plus an outbound route. */
function resources(extra: Partial<ApisixResources> = {}): ApisixResources {
  return mkResources({
    upstreams: [mkUpstream('web'), mkUpstream('in.9080', { nodes: [{ host: '127.0.0.1', port: 9080, weight: 1 }] })],
    routes: [mkRoute('r1'), mkRoute('in.9080', { hosts: undefined, upstream_id: 'in.9080', vars: [['server_port', '==', '15443'], ['host', '~~', '^9080\\.']] })],
    ...extra,
  });
}

async function etcdSsls(endpoint: string): Promise<Map<string, ApisixSsl>> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const res = await fetch(`${endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('/apisix/ssls/'), range_end: b64('/apisix/ssls0') }) });
  const body = (await res.json()) as { kvs?: { key: string; value: string }[] };
  const out = new Map<string, ApisixSsl>();
  for (const kv of body.kvs ?? []) {
    const key = Buffer.from(kv.key, 'base64').toString();
    if (key !== '/apisix/ssls/') out.set(key.slice('/apisix/ssls/'.length), JSON.parse(Buffer.from(kv.value, 'base64').toString()) as ApisixSsl);
  }
  return out;
}

describe('mesh tls - the SVID as ssl objects beside the snapshot', () => {
  let dir: string;
  let ca: CertificateAuthority;
  let stores: ServingStores;
  let mesh: MeshTls;
  let applier: SnapshotApplier;
  let renewals: number;
  let listeners: ((svid: Awaited<ReturnType<typeof issueTestSvid>>) => void)[];
  let version = 0;

  const applyFull = async (content: ApisixResources, trustBundle: readonly string[] = []) => {
    const state = ContentState.from({ resources: content, trustBundle });
    version++;
    const outcome = await applier.full({ cluster: 'c1', scope: 's1', version: String(version), hash: state.hash }, { resources: content, trustBundle }, performance.now());
    expect(outcome.type).toBe('applied');
  };
  const newSvid = async (names: readonly string[]) => {
    const svid = await issueTestSvid(ca, names);
    for (const l of listeners) l(svid);
    return svid;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-agent-mesh-tls-'));
    ca = await testCa();
    const opened = await ServingStores.open({ mode: 'both', etcdHost: '127.0.0.1', etcdPort: 0, apisixYaml: join(dir, 'apisix', 'apisix.yaml'), stateDir: join(dir, 'state'), maxSnapshotBytes: 1 << 22, keepLastApplied: true, logger });
    stores = opened.stores;
    mesh = startMeshTls({ stores, store: 'both', stateDir: join(dir, 'state'), trustBundleFile: join(dir, 'apisix', 'trust-bundle.pem'), podIps: '10.0.0.7', log: logger });
    applier = new SnapshotApplier(mesh.target, { maxSnapshotBytes: 1 << 22 });
    renewals = 0;
    listeners = [];
    const source = {
      current: undefined,
      renew: () => renewals++,
      onSvid: (l: (typeof listeners)[number]) => {
        listeners.push(l);
        return () => undefined;
      },
    };
    mesh.follow(source as never);
  });
  afterEach(async () => {
    mesh.close();
    // Let a store write in flight finish before the folder goes.
    await mesh.target.flush();
    await stores.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes weft-inbound/weft-outbound into both stores on a new SVID, keeps them across versions, rewrites them on rotation; the key never reaches the state dir', async () => {
    await applyFull(resources());
    expect(await etcdSsls(stores.etcdEndpoint ?? '')).toEqual(new Map());
    const first = await newSvid([NAME]);
    await expect.poll(async () => (await etcdSsls(stores.etcdEndpoint ?? '')).size).toBe(2);
    const ssls = await etcdSsls(stores.etcdEndpoint ?? '');
    expect(ssls.get('weft-inbound')).toMatchObject({ id: 'weft-inbound', type: 'server', snis: [NAME], cert: first.chainPem, key: first.privateKeyPem, client: { ca: first.trustBundlePem, depth: 2 } });
    expect(ssls.get('weft-outbound')).toMatchObject({ id: 'weft-outbound', type: 'client', cert: first.chainPem, key: first.privateKeyPem });
    for (const ssl of ssls.values()) expect(validateResource('ssls', ssl, ssl.id)).toEqual([]);
    const yamlPath = join(dir, 'apisix', 'apisix.yaml');
    const yamlSsls = async () => ((parse((await readFile(yamlPath, 'utf8')).replace(/#END\s*$/, '')) as { ssls?: ApisixSsl[] }).ssls ?? []).map((s) => s.id).sort();
    await expect.poll(yamlSsls).toEqual(['weft-inbound', 'weft-outbound']);
    expect((await stat(yamlPath)).mode & 0o777).toBe(0o640);
    // The trust bundle file nginx reads: the CA's roots while the snapshot carries none.
    expect(await readFile(join(dir, 'apisix', 'trust-bundle.pem'), 'utf8')).toBe(first.trustBundlePem);

    // The next version keeps them (a whole state and a delta alike).
    await applyFull(resources({ routes: [mkRoute('r2'), ...resources().routes] }));
    expect((await etcdSsls(stores.etcdEndpoint ?? '')).get('weft-inbound')?.cert).toBe(first.chainPem);

    // Rotation: new key and chain in both stores.
    const second = await newSvid([NAME]);
    await expect.poll(async () => (await etcdSsls(stores.etcdEndpoint ?? '')).get('weft-outbound')?.key).toBe(second.privateKeyPem);
    await expect.poll(async () => readFile(yamlPath, 'utf8')).toContain(second.chainPem.split('\n')[1]);
    expect(await readFile(yamlPath, 'utf8')).toContain('id: r2');

    // Nothing the agent keeps for restarts holds key material.
    for (const file of await readdir(join(dir, 'state'))) {
      const text = await readFile(join(dir, 'state', file), 'utf8');
      expect(text).not.toContain('PRIVATE KEY');
    }
    expect(renewals).toBe(0);
  });

  it('the snapshot’s trust bundle wins over the CA answer’s, for the client CA and the bundle file', async () => {
    const other = await testCa();
    const bundle = [...ca.trustBundle.roots.map((r) => r.pem), ...other.trustBundle.roots.map((r) => r.pem)];
    await applyFull(resources(), bundle);
    await newSvid([NAME]);
    // In the snapshot's (normalized) order.
    const expected = ContentState.from({ resources: resources(), trustBundle: bundle }).trustBundle.join('');
    expect(expected).toContain(other.trustBundle.roots[0]?.pem);
    await expect.poll(async () => (await etcdSsls(stores.etcdEndpoint ?? '')).get('weft-inbound')?.client?.ca).toBe(expected);
    await expect.poll(async () => readFile(join(dir, 'apisix', 'trust-bundle.pem'), 'utf8')).toBe(expected);
  });

  it('an SVID without the mesh name the inbound routes need: no inbound object, and a new certificate is asked for at once, once', async () => {
    await applyFull(resources());
    await newSvid([]);
    await expect.poll(() => renewals).toBe(1);
    expect([...(await etcdSsls(stores.etcdEndpoint ?? '')).keys()]).toEqual(['weft-outbound']);
    expect(mesh.target.view()).toMatchObject({ snis: [], missing: ['port 9080'], renewals: 1 });
    // Another version with the same lack asks nothing more.
    await applyFull(resources({ routes: [mkRoute('r3'), ...resources().routes] }));
    expect(renewals).toBe(1);
    // A meshed upstream towards this pod under another Service name: a new lack, a new request.
    await applyFull(resources({ upstreams: [...resources().upstreams, mkUpstream('u.default.reviews-v1.9080', { scheme: 'https', pass_host: 'rewrite', upstream_host: '9080.reviews-v1.default.svc.cluster.local', tls: { client_cert_id: 'weft-outbound' }, nodes: [{ host: '10.0.0.7', port: 9080, weight: 1 }] })] }));
    expect(renewals).toBe(2);
    // The renewed SVID carries both: the inbound object appears with both SNIs, and nothing is missing.
    await newSvid([NAME, '9080.reviews-v1.default.svc.cluster.local']);
    await expect.poll(async () => (await etcdSsls(stores.etcdEndpoint ?? '')).get('weft-inbound')?.snis).toEqual(['9080.reviews-v1.default.svc.cluster.local', NAME]);
    expect(mesh.target.view().missing).toEqual([]);
  });
});
