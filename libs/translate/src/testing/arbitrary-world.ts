import fc from 'fast-check';
import type {
  BackendRefView,
  EndpointSliceView,
  GrpcRouteView,
  HttpRouteMatchView,
  HttpRouteView,
  MeshAuthorizationView,
  ObjectMetaView,
  ParentRefView,
  PodView,
  ReferenceGrantView,
  RouteFilterView,
  ServiceView,
  WorldState,
} from '@weft/model';
import { DEFAULT_CLUSTER_DOMAIN, WEFT_CONTROLLER_NAME } from '@weft/model';

const NAMESPACES = ['a', 'b', 'c'];
const SERVICE_NAMES = ['s1', 's2', 's3', 'x'.repeat(60)];
const PORTS = [80, 8080, 9090];

const meta = (namespace: string, name: string, extra: Partial<ObjectMetaView> = {}): ObjectMetaView => ({
  namespace,
  name,
  generation: 1,
  creationTimestamp: '',
  labels: {},
  ...extra,
});

const serviceArb: fc.Arbitrary<ServiceView> = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom(...SERVICE_NAMES),
    ports: fc.uniqueArray(fc.constantFrom(...PORTS), { maxLength: 3 }),
    appProtocol: fc.constantFrom(undefined, 'http', 'kubernetes.io/h2c', 'grpc', 'kubernetes.io/ws'),
    kind: fc.constantFrom('ClusterIP', 'headless', 'ExternalName', 'dual'),
    named: fc.boolean(),
  })
  .map(({ ns, name, ports, appProtocol, kind, named }) => ({
    metadata: meta(ns, name),
    type: kind === 'ExternalName' ? 'ExternalName' : 'ClusterIP',
    clusterIPs: kind === 'ClusterIP' ? ['10.96.0.1'] : kind === 'dual' ? ['fd00::1', '10.96.0.2'] : [],
    headless: kind === 'headless',
    ipFamilies: kind === 'dual' ? ['IPv6', 'IPv4'] : ['IPv4'],
    ...(kind === 'ExternalName' ? { externalName: 'example.com' } : {}),
    selector: { app: name.slice(0, 2) },
    ports: ports.map((port, i) => ({
      name: `p${i}`,
      port,
      targetPort: named ? `web${i}` : port + 1,
      protocol: 'TCP' as const,
      ...(appProtocol === undefined ? {} : { appProtocol }),
    })),
  }));

export const slicePartsArb: fc.Arbitrary<EndpointSliceView> = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    service: fc.constantFrom(...SERVICE_NAMES),
    index: fc.integer({ min: 0, max: 2 }),
    family: fc.constantFrom('IPv4', 'IPv6', 'FQDN'),
    endpoints: fc.array(
      fc.record({ host: fc.integer({ min: 1, max: 20 }), ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() }),
      { maxLength: 4 },
    ),
    ports: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }),
  })
  .map(({ ns, service, index, family, endpoints, ports }) => ({
    metadata: meta(ns, `${service}-${index}`),
    serviceName: service,
    addressType: family,
    endpoints: endpoints.map((e) => ({
      addresses: [family === 'IPv6' ? `fd00::${e.host}` : family === 'FQDN' ? `h${e.host}.example` : `10.0.0.${e.host}`],
      ready: e.ready,
      serving: e.serving,
      terminating: e.terminating,
    })),
    ports: ports.map((i) => ({ name: `p${i}`, port: 8000 + i, protocol: 'TCP' as const })),
  }));

const podArb: fc.Arbitrary<PodView> = fc
  .record({ ns: fc.constantFrom(...NAMESPACES), index: fc.integer({ min: 0, max: 5 }), app: fc.constantFrom('s1', 's2', 's3', 'xx', 'zz') })
  .map(({ ns, index, app }) => ({
    metadata: meta(ns, `pod-${index}`, { labels: { app } }),
    serviceAccountName: 'default',
    podIPs: [`10.1.0.${index}`],
    containerPorts: [
      { name: 'web0', containerPort: 8080, protocol: 'TCP' as const },
      { name: 'web1', containerPort: 9090, protocol: 'TCP' as const },
    ],
    phase: 'Running',
  }));

const parentArb: fc.Arbitrary<ParentRefView> = fc.record({
  group: fc.constantFrom('', 'gateway.networking.k8s.io'),
  kind: fc.constantFrom('Service', 'Service', 'Gateway'),
  namespace: fc.constantFrom(undefined, ...NAMESPACES),
  name: fc.constantFrom(...SERVICE_NAMES, 'missing'),
  port: fc.constantFrom(undefined, ...PORTS, 1234),
}).map((p) => {
  const { namespace, port, ...rest } = p;
  return { ...rest, ...(namespace === undefined ? {} : { namespace }), ...(port === undefined ? {} : { port }) };
});

const backendArb: fc.Arbitrary<BackendRefView> = fc
  .record({
    group: fc.constantFrom('', '', 'example.com'),
    namespace: fc.constantFrom(undefined, ...NAMESPACES),
    name: fc.constantFrom(...SERVICE_NAMES, 'missing'),
    port: fc.constantFrom(undefined, ...PORTS),
    weight: fc.integer({ min: 0, max: 100 }),
  })
  .map(({ group, namespace, name, port, weight }) => ({
    group,
    kind: 'Service',
    ...(namespace === undefined ? {} : { namespace }),
    name,
    ...(port === undefined ? {} : { port }),
    weight,
    filters: [],
  }));

const matchArb: fc.Arbitrary<HttpRouteMatchView> = fc.record({
  path: fc.record({
    type: fc.constantFrom('Exact', 'PathPrefix', 'RegularExpression', 'Bogus'),
    value: fc.constantFrom('/', '/a', '/a/', '/a/b', '/(', '/[0-9]+', 'no-slash', '/é ü'),
  }),
  headers: fc.array(
    fc.record({ type: fc.constantFrom('Exact', 'RegularExpression'), name: fc.constantFrom('x-a', 'X-B', 'bad name'), value: fc.constantFrom('1', '(') }),
    { maxLength: 2 },
  ),
  queryParams: fc.array(fc.record({ type: fc.constant('Exact'), name: fc.constantFrom('q', 'r'), value: fc.constant('1') }), { maxLength: 2 }),
  method: fc.constantFrom(undefined, 'GET', 'POST', 'BREW'),
}).map(({ method, ...rest }) => ({ ...rest, ...(method === undefined ? {} : { method }) }));

const filterArb: fc.Arbitrary<RouteFilterView> = fc.oneof(
  fc.constant({ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: '1' }], add: [], remove: ['y'] } }),
  fc.constant({ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [], add: [{ name: 'x', value: '1' }], remove: [] } }),
  fc.constant({ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }),
  fc.constant({ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } } }),
  fc.constant({ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 's1', port: 80 }, percent: 10 } }),
  fc.constant({ type: 'ExtensionRef' }),
  fc.constant({ type: 'RequestHeaderModifier' }),
);

const routeName = fc.constantFrom('r1', 'r2', 'a.dotted.name', 'y'.repeat(63));

const httpRouteArb: fc.Arbitrary<HttpRouteView> = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    name: routeName,
    created: fc.constantFrom('', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'),
    parentRefs: fc.array(parentArb, { maxLength: 3 }),
    rules: fc.array(
      fc.record({
        matches: fc.array(matchArb, { minLength: 1, maxLength: 3 }),
        filters: fc.array(filterArb, { maxLength: 2 }),
        backendRefs: fc.array(backendArb, { maxLength: 3 }),
        timeout: fc.constantFrom(undefined, '5s', '1m30s', '0s', 'soon'),
        attempts: fc.constantFrom(undefined, 0, 2),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ ns, name, created, parentRefs, rules }) => ({
    metadata: meta(ns, name, { creationTimestamp: created }),
    parentRefs,
    hostnames: [],
    rules: rules.map(({ timeout, attempts, ...rule }) => ({
      ...rule,
      ...(timeout === undefined ? {} : { timeouts: { backendRequest: timeout } }),
      ...(attempts === undefined ? {} : { retry: { codes: [], attempts } }),
    })),
  }));

const grpcRouteArb: fc.Arbitrary<GrpcRouteView> = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    name: routeName,
    parentRefs: fc.array(parentArb, { maxLength: 2 }),
    service: fc.constantFrom(undefined, 'pkg.Svc', 'bad name'),
    method: fc.constantFrom(undefined, 'Get', '('),
    type: fc.constantFrom('Exact', 'RegularExpression'),
    backendRefs: fc.array(backendArb, { maxLength: 2 }),
  })
  .map(({ ns, name, parentRefs, service, method, type, backendRefs }) => ({
    metadata: meta(ns, name),
    parentRefs,
    hostnames: [],
    rules: [
      {
        matches: [{ method: { type, ...(service === undefined ? {} : { service }), ...(method === undefined ? {} : { method }) }, headers: [] }],
        filters: [],
        backendRefs,
      },
    ],
  }));

const grantArb: fc.Arbitrary<ReferenceGrantView> = fc
  .record({ ns: fc.constantFrom(...NAMESPACES), from: fc.constantFrom(...NAMESPACES), name: fc.constantFrom(undefined, 's1') })
  .map(({ ns, from, name }) => ({
    metadata: meta(ns, `grant-${from}`),
    from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: from }],
    to: [{ group: '', kind: 'Service', ...(name === undefined ? {} : { name }) }],
  }));

/** MeshAuthorizations mixing valid values with every kind of invalid one (selector, principal, namespace, rule). */
const authorizationArb: fc.Arbitrary<MeshAuthorizationView> = fc
  .record({
    ns: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom('p1', 'p2', 'p3'),
    generation: fc.integer({ min: 1, max: 3 }),
    matchLabels: fc.constantFrom<Readonly<Record<string, string>>>({}, { app: 's1' }, { app: 's2' }, { app: 'xx' }, { 'bad key!': 'x' }, { app: 'bad value!' }),
    rules: fc.array(
      fc.record({
        principals: fc.subarray([
          'spiffe://cluster.local/ns/a/sa/default',
          'spiffe://cluster.local/ns/b/*',
          'spiffe://cluster.local/*',
          'spiffe://Bad/ns/x/sa/y',
          'spiffe://corp*',
          'not-spiffe',
        ]),
        namespaces: fc.subarray(['a', 'b', 'Bad_NS']),
        to: fc.option(
          fc.record({
            ports: fc.subarray([8080, 9090, 9091, 70000]),
            paths: fc.array(
              fc.record({ type: fc.constantFrom('Exact', 'PathPrefix', 'RegularExpression'), value: fc.constantFrom('/', '/api', '/api/', '/a]]b', '/x]==]y', 'nope', '/a?b') }),
              { maxLength: 3 },
            ),
            methods: fc.subarray(['GET', 'POST', 'brew']),
          }),
          { nil: undefined },
        ),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ ns, name, generation, matchLabels, rules }) => ({
    metadata: meta(ns, name, { generation }),
    matchLabels,
    rules: rules.map(({ principals, namespaces, to }) => ({ from: { principals, namespaces }, ...(to === undefined ? {} : { to }) })),
  }));

export interface WorldParts {
  readonly services: readonly ServiceView[];
  readonly slices: readonly EndpointSliceView[];
  readonly pods: readonly PodView[];
  readonly httpRoutes: readonly HttpRouteView[];
  readonly grpcRoutes: readonly GrpcRouteView[];
  readonly grants: readonly ReferenceGrantView[];
  readonly authorizations: readonly MeshAuthorizationView[];
}

export const worldPartsArb: fc.Arbitrary<WorldParts> = fc.record({
  services: fc.array(serviceArb, { maxLength: 6 }),
  slices: fc.array(slicePartsArb, { maxLength: 6 }),
  pods: fc.array(podArb, { maxLength: 5 }),
  httpRoutes: fc.array(httpRouteArb, { maxLength: 4 }),
  grpcRoutes: fc.array(grpcRouteArb, { maxLength: 2 }),
  grants: fc.array(grantArb, { maxLength: 2 }),
  authorizations: fc.array(authorizationArb, { maxLength: 3 }),
});

const key = (m: ObjectMetaView): string => `${m.namespace}/${m.name}`;

/** A WorldState from parts, in the order given (later duplicates win), so tests can reorder the input. */
export function worldFromParts(parts: WorldParts): WorldState {
  const slicesByService = new Map<string, EndpointSliceView[]>();
  const uniqueSlices = new Map(parts.slices.map((s) => [key(s.metadata), s]));
  // Slices of one Service are sorted by name, as the builder does.
  for (const slice of [...uniqueSlices.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const k = `${slice.metadata.namespace}/${slice.serviceName}`;
    slicesByService.set(k, [...(slicesByService.get(k) ?? []), slice]);
  }
  return {
    clusterDomain: DEFAULT_CLUSTER_DOMAIN,
    controllerName: WEFT_CONTROLLER_NAME,
    services: new Map(parts.services.map((s) => [key(s.metadata), s])),
    endpointSlices: slicesByService,
    pods: new Map(parts.pods.map((p) => [key(p.metadata), p])),
    namespaces: new Map(),
    httpRoutes: new Map(parts.httpRoutes.map((r) => [key(r.metadata), r])),
    grpcRoutes: new Map(parts.grpcRoutes.map((r) => [key(r.metadata), r])),
    referenceGrants: new Map(parts.grants.map((g) => [key(g.metadata), g])),
    meshAuthorizations: new Map(parts.authorizations.map((a) => [key(a.metadata), a])),
  };
}

/** The same world with every map's insertion order reversed (duplicates resolved first). */
export function reversedWorld(world: WorldState): WorldState {
  const rev = <V>(m: ReadonlyMap<string, V>): Map<string, V> => new Map([...m].reverse());
  return {
    ...world,
    services: rev(world.services),
    endpointSlices: rev(world.endpointSlices),
    pods: rev(world.pods),
    httpRoutes: rev(world.httpRoutes),
    grpcRoutes: rev(world.grpcRoutes),
    referenceGrants: rev(world.referenceGrants),
    meshAuthorizations: rev(world.meshAuthorizations),
  };
}
