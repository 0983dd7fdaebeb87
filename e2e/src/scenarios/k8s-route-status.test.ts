import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { KubeHttp, RouteStatusWriter } from '@weft/k8s';
import type { RouteParentStatus } from '@weft/k8s';
import { createLogger } from '@weft/telemetry';
import { startCluster } from '../harness/index.js';
import type { Cluster } from '../harness/index.js';

const CONTROLLER = 'weft.dev/mesh-controller';
const log = createLogger({ component: 'e2e', level: 'silent' });
let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster.stop();
});

type Route = { metadata: { resourceVersion: string; generation: number }; status?: { parents?: RouteParentStatus[] } };

describe('RouteStatusWriter against a real API server', () => {
  it('k8s - writes our parent status beside another controller’s, with observedGeneration, and only when it changes', async () => {
    const ns = `status-${randomBytes(4).toString('hex')}`;
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const ref = { group: 'gateway.networking.k8s.io', version: 'v1', namespace: ns, plural: 'httproutes', name: 'reviews' };
    await custom.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'reviews' },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
          rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }],
        },
      },
    });
    // Another mesh controller already reports on the same route.
    const http = new KubeHttp(cluster.kubeConfig);
    const path = `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes/reviews`;
    const initial = await http.json<Route>('GET', path);
    const foreign: RouteParentStatus = {
      parentRef: { group: '', kind: 'Service', name: 'reviews', port: 9080 },
      controllerName: 'example.com/other-mesh',
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'theirs', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' },
      ],
    };
    await http.json('PUT', `${path}/status`, { ...initial, status: { parents: [foreign] } });

    const writer = new RouteStatusWriter(http, { log, controllerName: CONTROLLER });
    const desired = {
      kind: 'HTTPRoute' as const,
      namespace: ns,
      name: 'reviews',
      generation: 1,
      parents: [
        {
          parentRef: { group: '', kind: 'Service', name: 'reviews', port: 9080 },
          conditions: [
            { type: 'Accepted', status: 'True' as const, reason: 'Accepted', message: 'Route accepted' },
            { type: 'ResolvedRefs', status: 'False' as const, reason: 'BackendNotFound', message: 'Service reviews not found' },
          ],
        },
      ],
    };
    expect(await writer.write([desired])).toEqual({ written: 1, unchanged: 0, failed: 0 });
    const after = await http.json<Route>('GET', path);
    expect(after.status?.parents?.[0]).toEqual(foreign);
    const ours = after.status?.parents?.[1];
    expect(ours?.controllerName).toBe(CONTROLLER);
    expect(ours?.conditions.map((c) => [c.type, c.status, c.reason, c.observedGeneration])).toEqual([
      ['Accepted', 'True', 'Accepted', 1],
      ['ResolvedRefs', 'False', 'BackendNotFound', 1],
    ]);

    // The same status again, from a fresh writer that has no memory: read, compare, and no write.
    const fresh = new RouteStatusWriter(http, { log, controllerName: CONTROLLER });
    expect(await fresh.write([desired])).toEqual({ written: 0, unchanged: 1, failed: 0 });
    expect((await http.json<Route>('GET', path)).metadata.resourceVersion).toBe(after.metadata.resourceVersion);

    // A route deleted meanwhile is not an error.
    await custom.deleteNamespacedCustomObject(ref);
    expect(await fresh.write([{ ...desired, generation: 2 }])).toEqual({ written: 0, unchanged: 1, failed: 0 });
  });
});
