/** The issue's synthetic mesh as plain Kubernetes objects, the form informers and manifest folders hand over. */

export interface MeshShape {
  readonly namespaces: number;
  readonly servicesPerNamespace: number;
  readonly endpointsPerService: number;
  readonly routesPerNamespace: number;
  /** Namespaces (the first ones) whose first route is a consumer route onto the next namespace's Service. */
  readonly consumerNamespaces: number;
}

export const ISSUE_SHAPE: MeshShape = {
  namespaces: 500,
  servicesPerNamespace: 20,
  endpointsPerService: 5,
  routesPerNamespace: 4,
  consumerNamespaces: 50,
};

type KubeObject = Record<string, unknown>;

function ip(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

const CREATED = '2026-01-01T00:00:00Z';

/** The EndpointSlice of `svc`; bit i of `readyMask` says whether endpoint i is ready. */
export function endpointSlice(ns: string, svc: string, firstAddress: number, count: number, readyMask = -1): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Array.from({ length: count }, (_, i) => ({
      addresses: [ip(firstAddress + i)],
      conditions: { ready: (readyMask & (1 << i)) !== 0 },
      targetRef: { kind: 'Pod', namespace: ns, name: `${svc}-${i}` },
    })),
  };
}

/** HTTPRoute `route-<r>` of `ns`; `edit` changes the header its first rule sets (a spec edit, same rules). */
export function httpRoute(ns: string, r: number, parentNs: string, edit = 0): KubeObject {
  const backend = (name: string, weight: number) => ({ name, namespace: parentNs, port: 80, weight });
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: `route-${r}`, namespace: ns, generation: 1 + edit, creationTimestamp: CREATED },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', namespace: parentNs, name: `svc-${r}`, port: 80 }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-canary', value: 'true' }] }],
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: edit === 0 ? `route-${r}` : `route-${r}-edit-${edit}` }] } }],
          backendRefs: [backend(`svc-${r}`, 90), backend(`svc-${r + 10}`, 10)],
        },
        { backendRefs: [backend(`svc-${r}`, 1)], timeouts: { request: '10s' } },
      ],
    },
  };
}

export interface SyntheticMesh {
  readonly objects: KubeObject[];
  /** Index in `objects` of each Service's EndpointSlice, with what it takes to rebuild it. */
  readonly slices: { readonly index: number; readonly ns: string; readonly svc: string; readonly firstAddress: number }[];
  /** Index in `objects` of each HTTPRoute (bench/fanout edits them by generation). */
  readonly routeIndexes: number[];
  /** Index in `objects` of each HTTPRoute, with what it takes to rebuild it. */
  readonly routes: { readonly index: number; readonly ns: string; readonly r: number; readonly parentNs: string }[];
}

export function syntheticMesh(shape: MeshShape): SyntheticMesh {
  const objects: KubeObject[] = [];
  const slices: SyntheticMesh['slices'] = [];
  const routes: SyntheticMesh['routes'] = [];
  let address = 1;
  for (let n = 0; n < shape.namespaces; n++) {
    const ns = `ns-${n}`;
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (let s = 0; s < shape.servicesPerNamespace; s++) {
      const svc = `svc-${s}`;
      objects.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: svc, namespace: ns },
        spec: {
          clusterIP: ip(0x600000 + n * shape.servicesPerNamespace + s),
          selector: { app: svc },
          ports: [{ name: 'http', port: 80, targetPort: 'http' }],
        },
      });
      slices.push({ index: objects.length, ns, svc, firstAddress: address });
      objects.push(endpointSlice(ns, svc, address, shape.endpointsPerService));
      for (let e = 0; e < shape.endpointsPerService; e++) {
        objects.push({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `${svc}-${e}`, namespace: ns, labels: { app: svc } },
          spec: { serviceAccountName: svc, containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] },
          status: { phase: 'Running', podIP: ip(address + e) },
        });
      }
      address += shape.endpointsPerService;
    }
    for (let r = 0; r < shape.routesPerNamespace; r++) {
      const consumer = r === 0 && n < shape.consumerNamespaces;
      const parentNs = consumer ? `ns-${(n + 1) % shape.namespaces}` : ns;
      routes.push({ index: objects.length, ns, r, parentNs });
      objects.push(httpRoute(ns, r, parentNs));
    }
  }
  return { objects, slices, routeIndexes: routes.map((r) => r.index), routes };
}
