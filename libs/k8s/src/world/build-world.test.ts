import { describe, expect, it } from 'vitest';
import { buildWorldState } from './build-world.js';
import { parseManifests } from './parse-manifests.js';

const service = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop', generation: 2 },
  spec: { clusterIP: '10.96.0.1', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
  ...extra,
});

const slice = (name: string, serviceName: string) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': serviceName } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080 }],
  endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: false, terminating: true } }],
});

describe('buildWorldState', () => {
  it('builds narrow views with Kubernetes defaults applied', () => {
    const { world, diagnostics } = buildWorldState([service('web'), slice('web-b', 'web'), slice('web-a', 'web')]);
    expect(diagnostics).toEqual([]);
    expect(world.clusterDomain).toBe('cluster.local');
    expect(world.controllerName).toBe('weft.dev/mesh-controller');
    expect(world.services.get('shop/web')).toEqual({
      metadata: { namespace: 'shop', name: 'web', generation: 2, creationTimestamp: '', labels: {} },
      type: 'ClusterIP',
      clusterIPs: ['10.96.0.1'],
      headless: false,
      ipFamilies: ['IPv4'],
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }],
    });
    // Slices are grouped by Service and sorted by name; conditions get their API defaults.
    const slices = world.endpointSlices.get('shop/web') ?? [];
    expect(slices.map((s) => s.metadata.name)).toEqual(['web-a', 'web-b']);
    expect(slices[0]?.endpoints[0]).toEqual({ addresses: ['10.0.0.1'], ready: false, serving: false, terminating: true });
  });

  it('reports malformed objects and keeps the rest', () => {
    const bad = service('bad', { spec: { ports: [{ port: 'eighty' }] } });
    const orphan = { ...slice('orphan', 'x'), metadata: { name: 'orphan', namespace: 'shop' } };
    const { world, diagnostics } = buildWorldState([bad, orphan, service('web'), 42, { kind: 'Service' }]);
    expect([...world.services.keys()]).toEqual(['shop/web']);
    expect(diagnostics).toEqual([
      { object: '<no kind> <no name>', message: 'not an object' },
      { object: 'EndpointSlice shop/orphan', message: 'metadata.labels["kubernetes.io/service-name"]: is required to tie the slice to a Service' },
      { object: 'Service <no name>', message: 'apiVersion: must be a string' },
      { object: 'Service shop/bad', message: 'spec.ports[0].port: must be an integer' },
    ]);
  });

  it('ignores unknown kinds, flattens Lists, applies options and the default namespace', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ ...service('web'), metadata: { name: 'web' } }] };
    const { world, diagnostics } = buildWorldState([list, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }], {
      clusterDomain: 'corp.local',
      defaultNamespace: 'dev',
    });
    expect(diagnostics).toEqual([]);
    expect([...world.services.keys()]).toEqual(['dev/web']);
    expect(world.clusterDomain).toBe('corp.local');
  });

  it('reads Gateway API routes with spec defaults and reuses views of unchanged objects', () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'shop', generation: 5 },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 80 }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    };
    const first = buildWorldState([route]).world.httpRoutes.get('shop/r');
    expect(first?.rules[0]?.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] }]);
    expect(first?.rules[0]?.backendRefs[0]).toEqual({ group: '', kind: 'Service', name: 'web', port: 80, weight: 1, filters: [] });
    expect(buildWorldState([route]).world.httpRoutes.get('shop/r')).toBe(first);
  });

  it('takes unchanged maps and slice groups from the previous world', () => {
    const web = service('web');
    const api = service('api');
    const webSlice = slice('web-a', 'web');
    const first = buildWorldState([web, api, webSlice, slice('api-a', 'api')]).world;
    const second = buildWorldState([web, api, webSlice, slice('api-a', 'api')], { previous: first }).world;
    expect(second.services).toBe(first.services);
    // One slice object is new: the map is new, the untouched group is the same list.
    expect(second.endpointSlices).not.toBe(first.endpointSlices);
    expect(second.endpointSlices.get('shop/web')).toBe(first.endpointSlices.get('shop/web'));
    expect(second.endpointSlices.get('shop/api')).not.toBe(first.endpointSlices.get('shop/api'));
  });

  it('reports duplicates, keeping the last', () => {
    const { world, diagnostics } = buildWorldState([service('web'), { ...service('web'), spec: { clusterIP: 'None' } }]);
    expect(world.services.get('shop/web')?.headless).toBe(true);
    expect(diagnostics).toEqual([{ object: 'Service shop/web', message: 'defined more than once; the last one wins' }]);
  });
});

describe('parseManifests', () => {
  it('reads multi-document YAML, flattens Lists and skips empty documents', () => {
    const text = [
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}',
      '',
      'apiVersion: v1\nkind: ServiceList\nitems:\n  - {apiVersion: v1, kind: Service, metadata: {name: a}}\n  - {apiVersion: v1, kind: Service, metadata: {name: b}}',
    ].join('\n---\n');
    const { objects, diagnostics } = parseManifests(text);
    expect(diagnostics).toEqual([]);
    expect(objects.map((o) => (o as { metadata: { name: string } }).metadata.name)).toEqual(['shop', 'a', 'b']);
  });

  it('reports broken documents without throwing and keeps the good ones', () => {
    const { objects, diagnostics } = parseManifests('kind: [unclosed\n---\n- just a list\n---\nkind: Pod\nmetadata: {name: p}\n', 'x.yaml');
    expect(objects).toHaveLength(1);
    expect(diagnostics.map((d) => d.object)).toEqual(expect.arrayContaining(['x.yaml document 1', 'x.yaml document 2']));
  });
});
