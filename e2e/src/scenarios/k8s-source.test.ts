import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api } from '@kubernetes/client-node';
import { Informer, KubeHttp, KubernetesSource, objectKey } from '@weft/k8s';
import type { InformerChange, ObjectSet } from '@weft/k8s';
import { createLogger } from '@weft/telemetry';
import { serverPaths, startCluster, waitFor } from '../harness/index.js';
import type { Cluster } from '../harness/index.js';

const log = createLogger({ component: 'e2e', level: 'silent' });
const run = promisify(execFile);

function uniqueNamespace(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

describe('KubernetesSource against a real API server', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('k8s - delivers the world after sync, then each coalesced change, and forgets deleted objects', async () => {
    const ns = uniqueNamespace('src');
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const discovery = cluster.kubeConfig.makeApiClient(DiscoveryV1Api);
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'reviews' }, spec: { ports: [{ port: 9080 }], selector: { app: 'reviews' } } },
    });

    const sets: ObjectSet[] = [];
    const source = new KubernetesSource(new KubeHttp(cluster.kubeConfig), { log });
    source.start((set) => {
      sets.push(set);
    });
    try {
      const keysOf = (set: ObjectSet | undefined, kind: string): string[] =>
        (set?.objects ?? []).filter((o) => o.kind === kind && o.metadata?.namespace === ns).map((o) => objectKey(o)).sort();

      await waitFor('the first object set', () => sets.length > 0);
      expect(source.synced).toBe(true);
      expect(keysOf(sets.at(-1), 'Service')).toEqual([`${ns}/reviews`]);

      const before = sets.length;
      await discovery.createNamespacedEndpointSlice({
        namespace: ns,
        body: {
          metadata: { name: 'reviews-1', labels: { 'kubernetes.io/service-name': 'reviews' } },
          addressType: 'IPv4',
          ports: [{ port: 9080 }],
          endpoints: [{ addresses: ['10.0.0.9'], conditions: { ready: true } }],
        },
      });
      await custom.createNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace: ns,
        plural: 'httproutes',
        body: {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: 'r' },
          spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] },
        },
      });
      await waitFor('the slice and the route in a later set', () =>
        keysOf(sets.at(-1), 'EndpointSlice').length === 1 && keysOf(sets.at(-1), 'HTTPRoute').length === 1,
      );
      // Two writes close together arrive in one or two batches, never one per watch event of every kind.
      expect(sets.length - before).toBeLessThanOrEqual(2);
      const last = sets.at(-1)!;
      expect(last.reasons.every((r) => ['EndpointSlice', 'HTTPRoute'].includes(r))).toBe(true);
      const route = last.objects.find((o) => o.kind === 'HTTPRoute' && o.metadata?.namespace === ns);
      expect(route?.apiVersion).toBe('gateway.networking.k8s.io/v1');
      expect(route?.metadata?.generation).toBe(1);

      await core.deleteNamespacedService({ namespace: ns, name: 'reviews' });
      await waitFor('the deleted Service to leave the set', () => keysOf(sets.at(-1), 'Service').length === 0);
    } finally {
      await source.stop();
    }
  });

  it('k8s - a namespace selector keeps only the selected namespaces, and follows label changes', async () => {
    const inMesh = uniqueNamespace('mesh');
    const outside = uniqueNamespace('plain');
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: inMesh, labels: { 'weft.dev/mesh': 'enabled' } } } });
    await core.createNamespace({ body: { metadata: { name: outside } } });
    for (const namespace of [inMesh, outside]) {
      await core.createNamespacedService({ namespace, body: { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } } });
    }
    let latest: ObjectSet | undefined;
    const source = new KubernetesSource(new KubeHttp(cluster.kubeConfig), { log, namespaceSelector: 'weft.dev/mesh=enabled' });
    source.start((set) => {
      latest = set;
    });
    try {
      const services = (): string[] =>
        (latest?.objects ?? []).filter((o) => o.kind === 'Service').map((o) => objectKey(o)).filter((k) => k.endsWith('/web'));
      await waitFor('the selected namespace only', () => services().includes(`${inMesh}/web`));
      expect(services()).not.toContain(`${outside}/web`);
      await cluster.kubectl(['label', 'namespace', outside, 'weft.dev/mesh=enabled']);
      await waitFor('the newly labelled namespace to join', () => services().includes(`${outside}/web`));
    } finally {
      await source.stop();
    }
  });

  it('k8s - a metadata-only informer keeps only what identifies each object, from its list and its watch', async () => {
    const ns = uniqueNamespace('ids');
    await cluster.kubectl(['create', 'namespace', ns]);
    const labelled = (name: string): string =>
      JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, labels: { team: 'a' }, annotations: { note: 'x'.repeat(2000) } } });
    await cluster.kubectl(['apply', '-f', '-'], labelled('listed'));
    const changes: InformerChange[] = [];
    const informer = new Informer(
      new KubeHttp(cluster.kubeConfig),
      { kind: 'ServiceAccount', apiVersion: 'v1', plural: 'serviceaccounts', namespaced: true, optional: false },
      (c) => changes.push(...c),
      { log, namespace: ns, metadataOnly: true },
    );
    informer.start();
    try {
      await waitFor('the listed ServiceAccount', () => changes.some((c) => c.key === `${ns}/listed`));
      await cluster.kubectl(['apply', '-f', '-'], labelled('watched'));
      await waitFor('the watched ServiceAccount', () => changes.some((c) => c.key === `${ns}/watched`));
      for (const name of ['listed', 'watched']) {
        const seen = changes.find((c) => c.key === `${ns}/${name}`)?.object;
        expect(seen?.metadata).toEqual({ name, namespace: ns, uid: expect.stringMatching(/^[0-9a-f-]{36}$/) as string, resourceVersion: expect.any(String) as string });
        expect(seen?.kind).toBe('ServiceAccount');
      }
    } finally {
      await informer.stop();
    }
  });
});

describe('Informer edge cases against a real API server', () => {
  it('k8s - relists after 410 Gone when etcd compacted past its resourceVersion', async () => {
    // Without the watch cache, watches go to etcd, so a compaction makes an old resourceVersion answer 410.
    await using cluster = await startCluster({ gatewayApi: 'none', apiserverArgs: ['--watch-cache=false'] });
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const ns = uniqueNamespace('gone');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'first' } } });
    const changes: InformerChange[] = [];
    const informer = new Informer(
      new KubeHttp(cluster.kubeConfig),
      { kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', namespaced: true, optional: false },
      (c) => changes.push(...c),
      { log, watchTimeoutSeconds: 1 },
    );
    informer.start();
    try {
      await waitFor('the first list', () => informer.synced);
      // Writes to another kind move etcd's revision; compaction at the newest revision drops what the watch needs.
      for (let i = 0; i < 3; i++) await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: `s${i}` } } });
      const { etcdctl } = serverPaths();
      const status = JSON.parse(
        (await run(etcdctl, ['--endpoints', cluster.etcd.endpoint, 'endpoint', 'status', '-w', 'json'])).stdout,
      ) as { Status: { header: { revision: number } } }[];
      const revision = status[0]!.Status.header.revision;
      await run(etcdctl, ['--endpoints', cluster.etcd.endpoint, 'compact', String(revision)]);
      await waitFor('a relist after 410 Gone', () => informer.getStats().relistsAfterGone >= 1, { timeoutMs: 15_000 });
      // And the informer still follows changes after it.
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'second' } } });
      await waitFor('the new ConfigMap', () => changes.some((c) => c.type === 'upsert' && c.key === `${ns}/second`));
    } finally {
      await informer.stop();
    }
  });

  it('k8s - an optional kind without its CRD is synced-empty, and is picked up once the CRD is installed', async () => {
    await using cluster = await startCluster({ gatewayApi: 'none' });
    const changes: InformerChange[] = [];
    const informer = new Informer(
      new KubeHttp(cluster.kubeConfig),
      { kind: 'HTTPRoute', apiVersion: 'gateway.networking.k8s.io/v1', plural: 'httproutes', namespaced: true, optional: true },
      (c) => changes.push(...c),
      { log, missingRetryMs: 200 },
    );
    informer.start();
    try {
      await waitFor('sync of the absent kind', () => informer.synced);
      expect(informer.absent).toBe(true);
      const { gatewayApiCrds } = serverPaths();
      await cluster.kubectl(['apply', '--server-side', '-f', `${gatewayApiCrds}/standard/gateway.networking.k8s.io_httproutes.yaml`]);
      await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/httproutes.gateway.networking.k8s.io']);
      await cluster.kubectl(['create', 'namespace', 'late']);
      await cluster.kubectl(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: 'late', namespace: 'late' },
          spec: { parentRefs: [{ group: '', kind: 'Service', name: 'web' }] },
        }),
      );
      await waitFor('the route after the CRD appeared', () => changes.some((c) => c.key === 'late/late'), { timeoutMs: 15_000 });
      expect(informer.absent).toBe(false);
    } finally {
      await informer.stop();
    }
  });
});
