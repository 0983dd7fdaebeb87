import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApisixResources, ApisixRoute, MeshConfig } from '@weft/model';
// Test-only edge to the real WorldState builder, as in golden.test.ts.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildWorldState, parseManifests } from '../../k8s/src/world/index.js';
import { isShortHost, resourcesForClient, routeForClient, SHORT_HOST_NAMESPACE_LABEL, translate } from './index.js';
import { worldFromParts, worldPartsArb } from './testing/arbitrary-world.js';

// Two namespaces, each with its own `reviews`; `b` also has a consumer route for a/reviews.
const MANIFESTS = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: a}
spec: {clusterIP: 10.96.0.1, selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: b}
spec: {clusterIP: 10.96.0.2, selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: a}
spec: {containers: [{name: curl}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: b}
spec: {containers: [{name: curl}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: c}
spec: {containers: [{name: curl}]}
`;

const CONSUMER_ROUTE = `
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: pin-a-reviews, namespace: b}
spec:
  parentRefs: [{group: '', kind: Service, name: reviews, namespace: a, port: 9080}]
  rules: [{matches: [{path: {type: PathPrefix, value: /v1}}], backendRefs: [{name: reviews, namespace: b, port: 9080}]}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: from-a, namespace: b}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: b}]
  to: [{group: '', kind: Service}]
`;

function mesh(text: string): MeshConfig {
  return translate(buildWorldState(parseManifests(text, 'client-view.yaml').objects).world);
}

function viewOf(config: MeshConfig, workload: string): ApisixResources {
  const scope = config.workloads[workload];
  const resources = scope === undefined ? undefined : config.scopes[scope];
  if (resources === undefined) throw new Error(`no scope for ${workload}`);
  return resourcesForClient(resources, workload.slice(0, workload.indexOf('/')));
}

/** Routes whose hosts include `host`, as `id → upstream`. */
function routesFor(resources: ApisixResources, host: string): Record<string, string | undefined> {
  return Object.fromEntries(resources.routes.filter((r) => r.hosts?.includes(host)).map((r) => [r.id, r.upstream_id]));
}

describe('short host names', () => {
  it('are names without a dot, with or without a port; FQDNs and IP literals are not', () => {
    for (const host of ['reviews', 'reviews:9080', 'a-b']) expect(isShortHost(host), host).toBe(true);
    for (const host of ['reviews.a', 'reviews.a:9080', 'reviews.a.svc.cluster.local', '10.96.0.1', '10.96.0.1:80', '[fd00::1]', '[fd00::1]:80']) {
      expect(isShortHost(host), host).toBe(false);
    }
  });

  it('resolve in the client namespace: `reviews` reaches a/reviews from a and b/reviews from b, never both', () => {
    const config = mesh(MANIFESTS);
    // One scope serves both namespaces: the shared snapshot holds both meanings of the short name...
    expect(config.workloads['a/client']).toBe(config.workloads['b/client']);
    const shared = config.scopes[config.workloads['a/client'] ?? ''];
    expect(Object.keys(routesFor(shared as ApisixResources, 'reviews:9080'))).toHaveLength(2);
    // ...and each workload serves one of them.
    expect(routesFor(viewOf(config, 'a/client'), 'reviews:9080')).toEqual({ 'd.a.reviews.9080': 'u.a.reviews.9080' });
    expect(routesFor(viewOf(config, 'b/client'), 'reviews:9080')).toEqual({ 'd.b.reviews.9080': 'u.b.reviews.9080' });
    expect(routesFor(viewOf(config, 'c/client'), 'reviews:9080')).toEqual({});
    expect(routesFor(viewOf(config, 'c/client'), 'reviews')).toEqual({});
    // Qualified names keep working from everywhere.
    for (const workload of ['a/client', 'b/client', 'c/client']) {
      expect(routesFor(viewOf(config, workload), 'reviews.a:9080')).toEqual({ 'd.a.reviews.9080': 'u.a.reviews.9080' });
      expect(routesFor(viewOf(config, workload), 'reviews.b.svc.cluster.local:9080')).toEqual({ 'd.b.reviews.9080': 'u.b.reviews.9080' });
    }
  });

  it('a consumer route for another namespace’s Service does not take the consumer’s own short name', () => {
    const config = mesh(MANIFESTS + CONSUMER_ROUTE);
    const b = viewOf(config, 'b/client');
    // In b, `reviews` is b/reviews; the consumer route answers only the qualified names of a/reviews.
    expect(routesFor(b, 'reviews:9080')).toEqual({ 'd.b.reviews.9080': 'u.b.reviews.9080' });
    const consumer = Object.keys(routesFor(b, 'reviews.a:9080'));
    expect(consumer).toHaveLength(1);
    expect(consumer[0]).toMatch(/^r\.b\.pin-a-reviews\./);
    // In a, the producer view: `reviews` is a/reviews' default route.
    expect(routesFor(viewOf(config, 'a/client'), 'reviews:9080')).toEqual({ 'd.a.reviews.9080': 'u.a.reviews.9080' });
  });

  it('leaves routes of the client namespace and unlabelled routes as the same objects', () => {
    const own: ApisixRoute = { id: 'x', uri: '/*', hosts: ['web', 'web.a'], labels: { [SHORT_HOST_NAMESPACE_LABEL]: 'a' }, upstream_id: 'u' };
    const plain: ApisixRoute = { id: 'y', uri: '/*', hosts: ['web'], upstream_id: 'u' };
    expect(routeForClient(own, 'a')).toBe(own);
    expect(routeForClient(plain, 'b')).toBe(plain);
    const foreign = routeForClient(own, 'b');
    expect(foreign?.hosts).toEqual(['web.a']);
    expect(routeForClient(own, 'b')).toBe(foreign);
    expect(own.hosts).toEqual(['web', 'web.a']);
  });

  it('drops a route left with no host rather than letting it match every host', () => {
    const onlyShort: ApisixRoute = { id: 'x', uri: '/*', hosts: ['web', 'web:80'], labels: { [SHORT_HOST_NAMESPACE_LABEL]: 'a' }, upstream_id: 'u' };
    expect(routeForClient(onlyShort, 'b')).toBeUndefined();
    const resources: ApisixResources = { routes: [onlyShort], upstreams: [], ssls: [], plugin_configs: [], global_rules: [], stream_routes: [] };
    expect(resourcesForClient(resources, 'b').routes).toEqual([]);
    expect(resourcesForClient(resources, 'a')).toBe(resources);
  });

  it('property: in every workload’s view, a Service name host belongs to exactly one Service', () => {
    const fqdn = /^([a-z0-9-]+\.[a-z0-9-]+)\.svc\.cluster\.local(?::\d+)?$/;
    fc.assert(
      fc.property(worldPartsArb, (parts) => {
        const config = translate(worldFromParts(parts));
        for (const workload of Object.keys(config.workloads)) {
          const owners = new Map<string, Set<string>>();
          for (const route of viewOf(config, workload).routes) {
            const service = route.hosts?.map((h) => fqdn.exec(h)?.[1]).find((s) => s !== undefined);
            if (service === undefined) continue;
            for (const host of route.hosts ?? []) {
              if (/^[\d.[]/.test(host)) continue; // IP literals: the arbitrary world reuses ClusterIPs
              const set = owners.get(host) ?? new Set<string>();
              set.add(service);
              owners.set(host, set);
            }
          }
          for (const [host, services] of owners) expect([...services], `${workload}: ${host}`).toHaveLength(1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
