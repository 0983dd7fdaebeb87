import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus } from '@weft/bus';
import type { Bus } from '@weft/bus';
import { REPO_ROOT, startCluster, startNats, startWeftProcess, waitFor } from '../harness/index.js';
import type { Cluster, NatsServer, WeftProcess } from '../harness/index.js';
import { latestScopeContent } from './scope-content.js';

const CLUSTER = 'e2e-kube';
const CONTROLLER = 'weft.dev/mesh-controller';

interface RouteStatus {
  metadata: { generation: number };
  status?: { parents?: { controllerName: string; conditions: { type: string; status: string; reason: string; observedGeneration: number; message: string }[] }[] };
}

describe('control plane against a real kube-apiserver', () => {
  let cluster: Cluster;
  let nats: NatsServer;
  let bus: Bus;
  let cp: WeftProcess;

  const route = async (ns: string, name: string): Promise<RouteStatus> =>
    JSON.parse(await cluster.kubectl(['get', 'httproute', name, '-n', ns, '-o', 'json'])) as RouteStatus;
  const ours = (r: RouteStatus) => r.status?.parents?.find((p) => p.controllerName === CONTROLLER);

  beforeAll(async () => {
    [cluster, nats] = await Promise.all([startCluster(), startNats()]);
    const mesh = join(REPO_ROOT, 'examples/mesh');
    // The namespace of the leader election Lease (leader election is on by default for the Kubernetes source).
    await cluster.kubectl(['create', 'namespace', 'weft-system']);
    await cluster.kubectl(['apply', '-f', join(mesh, 'namespaces.yaml')]);
    for (const [ns, sa] of [['bookinfo', 'bookinfo-productpage'], ['bookinfo', 'bookinfo-details'], ['bookinfo', 'bookinfo-ratings'], ['bookinfo', 'bookinfo-reviews'], ['frontend', 'web']]) {
      await cluster.kubectl(['create', 'serviceaccount', sa!, '-n', ns!]);
    }
    for (const file of ['services.yaml', 'endpointslices.yaml', 'pods.yaml', 'routes.yaml']) await cluster.kubectl(['apply', '-f', join(mesh, file)]);
    bus = await connectBus({ servers: nats.url, cluster: CLUSTER });
    cp = startWeftProcess({
      name: 'control-plane',
      entry: 'apps/control-plane/src/cli.ts',
      args: ['--kubeconfig', cluster.kubeconfigPath, '--nats-url', nats.url, '--cluster-id', CLUSTER, '--health-port', '0', '--health-host', '127.0.0.1'],
    });
    await cp.waitForLine('the first push', (l) => l['msg'] === 'mesh pushed', 30_000);
  });
  afterAll(async () => {
    await cp.stop();
    await bus.close();
    await Promise.all([cluster.stop(), nats.stop()]);
  });

  it('control plane - writes Accepted and ResolvedRefs on each GAMMA route, with the observed generation', async () => {
    const reviews = await waitFor('status on bookinfo/reviews', async () => {
      const r = await route('bookinfo', 'reviews');
      return ours(r) === undefined ? undefined : r;
    });
    expect(ours(reviews)?.conditions.map((c) => [c.type, c.status, c.reason, c.observedGeneration])).toEqual([
      ['Accepted', 'True', 'Accepted', reviews.metadata.generation],
      ['ResolvedRefs', 'True', 'ResolvedRefs', reviews.metadata.generation],
    ]);
    const consumer = await waitFor('status on the consumer route', async () => ours(await route('frontend', 'details-for-frontend')));
    expect(consumer.conditions.find((c) => c.type === 'ResolvedRefs')?.status).toBe('True');
  });

  it('control plane - a route to a missing Service gets ResolvedRefs=False BackendNotFound and the others are unaffected', async () => {
    await cluster.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'ratings-broken', namespace: 'bookinfo' },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'ratings', port: 9080 }],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v2' } }], backendRefs: [{ name: 'ratings-v2', port: 9080 }] }],
        },
      }),
    );
    const broken = await waitFor('status on the broken route', async () => ours(await route('bookinfo', 'ratings-broken')));
    const resolved = broken.conditions.find((c) => c.type === 'ResolvedRefs');
    expect(resolved).toMatchObject({ status: 'False', reason: 'BackendNotFound' });
    expect(resolved?.message).toContain('ratings-v2');
    expect(ours(await route('bookinfo', 'reviews'))?.conditions.every((c) => c.status === 'True')).toBe(true);
    expect(cp.exitCode()).toBeUndefined();
  });

  it('control plane - a change to a route reaches the published snapshot of the scopes that see it', async () => {
    const watch = bus.watchAssignment('frontend_web-6d8f7c9b5d-r4tnk');
    const scope = (await watch[Symbol.asyncIterator]().next()).value as string;
    await watch.close();
    await cluster.kubectl(['patch', 'httproute', 'reviews', '-n', 'bookinfo', '--type=json', '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/rules/1/backendRefs/0/weight', value: 50 }, { op: 'replace', path: '/spec/rules/1/backendRefs/1/weight', value: 50 }])]);
    const full = await waitFor('the 50/50 split in the published scope', async () => {
      const state = await latestScopeContent(bus, scope);
      const r = state?.document.resources.routes.find((x) => x.id === 'r.bookinfo.reviews.0.9080.1.0');
      return JSON.stringify(r?.plugins).includes('"weight":50') ? state : undefined;
    });
    expect(full.meta.scope).toBe(scope);
    // And the status follows the new generation.
    const reviews = await waitFor('status for generation 2', async () => {
      const r = await route('bookinfo', 'reviews');
      return ours(r)?.conditions.every((c) => c.observedGeneration === r.metadata.generation) === true && r.metadata.generation > 1 ? r : undefined;
    });
    expect(reviews.metadata.generation).toBe(2);
  });
});
