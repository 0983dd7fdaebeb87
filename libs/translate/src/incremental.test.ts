import { describe, expect, it } from 'vitest';
import type { MeshConfig } from '@weft/model';
// Test-only edge to the real WorldState builder, as in golden.test.ts.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildWorldState, parseManifests } from '../../k8s/src/world/index.js';
import { createTranslator, translate } from './index.js';

const MANIFESTS = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {clusterIP: 10.96.0.1, selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {clusterIP: 10.96.0.2, selector: {app: api}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{group: '', kind: Service, name: web, port: 80}]
  rules: [{backendRefs: [{name: web, port: 80, weight: 9}, {name: api, port: 80, weight: 1}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: app, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: curl, namespace: client}
spec: {containers: [{name: curl}]}
`;

const slice = (name: string, service: string, ready: boolean) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080 }],
  endpoints: [{ addresses: [service === 'web' ? '10.0.0.1' : '10.0.0.2'], conditions: { ready } }],
});

/** `scope/kind/id` of every resource that is not the very same object in `after` as in `before`. */
function changed(before: MeshConfig, after: MeshConfig): string[] {
  const out: string[] = [];
  for (const [scope, resources] of Object.entries(after.scopes)) {
    for (const [kind, list] of Object.entries(resources) as [string, { id: string }[]][]) {
      const old = new Map((before.scopes[scope]?.[kind as 'routes'] ?? []).map((r) => [r.id, r]));
      for (const r of list) if (old.get(r.id) !== r) out.push(`${scope}/${kind}/${r.id}`);
    }
  }
  return out.sort();
}

describe('translate - incremental', () => {
  it('an EndpointSlice change rebuilds only that Service upstream, in every scope, and matches a fresh translation', () => {
    const objects = parseManifests(MANIFESTS).objects;
    const webSlice = slice('web-a', 'web', true);
    const first = buildWorldState([...objects, webSlice, slice('api-a', 'api', true)]).world;
    const translator = createTranslator();
    const before = translator.translate(first);

    const second = buildWorldState([...objects, webSlice, slice('api-a', 'api', false)], { previous: first }).world;
    expect(second.services).toBe(first.services);
    const after = translator.translate(second);

    const scopes = Object.keys(after.scopes);
    expect(scopes).toHaveLength(2);
    expect(changed(before, after)).toEqual(scopes.map((s) => `${s}/upstreams/u.shop.api.80`).sort());
    expect(after.routeStatuses).toBe(before.routeStatuses);
    expect(after.workloads).toBe(before.workloads);
    expect(JSON.stringify(after)).toBe(JSON.stringify(translate(second)));
    const api = Object.values(after.scopes)[0]?.upstreams.find((u) => u.id === 'u.shop.api.80');
    expect(api?.nodes).toEqual([]);
  });

  it('unchanged objects give the very same resources; re-read (equal but new) objects give equal JSON', () => {
    const objects = parseManifests(MANIFESTS).objects;
    const world = buildWorldState(objects).world;
    const translator = createTranslator();
    const before = translator.translate(world);
    const again = translator.translate(buildWorldState(objects, { previous: world }).world);
    expect(changed(before, again)).toEqual([]);
    const reread = translator.translate(buildWorldState(parseManifests(MANIFESTS).objects, { previous: world }).world);
    expect(JSON.stringify(reread)).toBe(JSON.stringify(before));
  });
});
