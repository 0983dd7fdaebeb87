import fc from 'fast-check';
import type {
  ApisixGlobalRule,
  ApisixNode,
  ApisixPluginConfig,
  ApisixPlugins,
  ApisixResources,
  ApisixRoute,
  ApisixSsl,
  ApisixStreamRoute,
  ApisixUpstream,
  HttpMethod,
} from '@weft/model';
import { testCertificatePem, testPrivateKeyPem } from './builders.js';

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_'.split('');
const HTTP_METHODS: readonly HttpMethod[] = [
  'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE', 'PURGE',
];

/** An APISIX id (1-64 of `[a-zA-Z0-9._-]`), short by default so ids collide across draws. */
export function arbApisixId(maxLength = 8): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength });
}

const arbDnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
export const arbHostName: fc.Arbitrary<string> = fc
  .array(arbDnsLabel, { minLength: 1, maxLength: 4 })
  .map((labels) => labels.join('.'));
const arbNodeHost = fc.oneof(fc.ipV4(), arbHostName, fc.ipV6().map((ip) => `[${ip}]`));
const arbLabels = fc.dictionary(
  fc.stringMatching(/^[a-z][a-z0-9./-]{0,20}$/),
  fc.stringMatching(/^\S{1,20}$/),
  { maxKeys: 3 },
);
/** Free text, with any code points: canonical encoding must not care. */
const arbDesc = fc.string({ unit: 'binary', maxLength: 24 });
const arbTimeout = fc.record({
  connect: fc.integer({ min: 1, max: 60 }),
  send: fc.double({ min: 0.001, max: 600, noNaN: true }),
  read: fc.integer({ min: 1, max: 600 }),
});
/** A plugin config: any JSON object (APISIX checks plugin schemas itself). */
const arbPluginConf = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
const arbPluginName = fc.constantFrom('proxy-rewrite', 'response-rewrite', 'request-id', 'limit-count', 'cors', 'redirect');
const arbPlugins: fc.Arbitrary<ApisixPlugins> = fc.dictionary(arbPluginName, arbPluginConf, { maxKeys: 3 });

export const arbNode: fc.Arbitrary<ApisixNode> = fc.record(
  {
    host: arbNodeHost,
    port: fc.integer({ min: 1, max: 65535 }),
    weight: fc.integer({ min: 0, max: 100 }),
    priority: fc.integer({ min: -10, max: 10 }),
    metadata: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
  },
  { requiredKeys: ['host', 'port', 'weight'] },
);

/** An upstream; `clientSslIds` are ids of client-type ssls its `tls.client_cert_id` may name. */
export function arbUpstream(id: string, clientSslIds: readonly string[] = []): fc.Arbitrary<ApisixUpstream> {
  const balancer = fc.oneof(
    fc.record({ type: fc.constantFrom('roundrobin' as const, 'ewma' as const, 'least_conn' as const) }),
    fc.record({
      type: fc.constant('chash' as const),
      hash_on: fc.constant('vars' as const),
      key: fc.constantFrom('remote_addr', 'uri', 'arg_user'),
    }),
    fc.record({
      type: fc.constant('chash' as const),
      hash_on: fc.constant('header' as const),
      key: fc.constantFrom('x-user', 'x_session'),
    }),
  );
  const host = fc.oneof(
    fc.record({ pass_host: fc.constantFrom('pass' as const, 'node' as const) }),
    fc.record({ pass_host: fc.constant('rewrite' as const), upstream_host: arbHostName }),
  );
  const tls = maybeOneOf(clientSslIds).map((ref) => (ref === undefined ? {} : { tls: { client_cert_id: ref } }));
  const rest = fc.record(
    {
      name: fc.string({ minLength: 1, maxLength: 20 }),
      desc: arbDesc,
      labels: arbLabels,
      scheme: fc.constantFrom('http' as const, 'https' as const, 'grpc' as const, 'grpcs' as const),
      retries: fc.integer({ min: 0, max: 5 }),
      retry_timeout: fc.integer({ min: 0, max: 30 }),
      timeout: arbTimeout,
      keepalive_pool: fc.record({
        size: fc.integer({ min: 1, max: 640 }),
        idle_timeout: fc.integer({ min: 0, max: 120 }),
        requests: fc.integer({ min: 1, max: 2000 }),
      }),
    },
    { requiredKeys: [] },
  );
  return fc
    .tuple(fc.array(arbNode, { maxLength: 4 }), balancer, host, tls, rest)
    .map(([nodes, b, h, t, r]) => ({ id, nodes, ...b, ...h, ...t, ...r }));
}

/** One of `ids`, or nothing (always nothing when `ids` is empty). */
function maybeOneOf(ids: readonly string[]): fc.Arbitrary<string | undefined> {
  return ids.length === 0 ? fc.constant(undefined) : fc.option(fc.constantFrom(...ids), { nil: undefined });
}

const arbExprTerm = fc.tuple(
  fc.constantFrom('http_x_user', 'arg_v', 'cookie_c'),
  fc.constantFrom('==', '~=', '~~'),
  fc.string({ maxLength: 6 }),
);

/** The ids a route may point at, so that generated resources are consistent. */
export interface ReferenceIds {
  readonly upstreamIds: readonly string[];
  readonly pluginConfigIds: readonly string[];
}

// Built once: fc.stringMatching is costly to construct, and these are used per generated resource.
const arbRouteUri = fc.oneof(
  fc.record({ uri: fc.stringMatching(/^\/[a-z0-9/_-]{0,20}\*?$/) }),
  fc.record({ uris: fc.uniqueArray(fc.stringMatching(/^\/[a-z0-9/_-]{0,12}$/), { minLength: 1, maxLength: 3 }) }),
);

export function arbRoute(id: string, refs: ReferenceIds): fc.Arbitrary<ApisixRoute> {
  const uri = arbRouteUri;
  const hosts = fc.oneof(
    fc.constant({}),
    fc.record({ host: arbHostName }),
    fc.record({ hosts: fc.uniqueArray(arbHostName, { minLength: 1, maxLength: 4 }) }),
  );
  const upstreamId = maybeOneOf(refs.upstreamIds);
  const weightedUpstream = fc.record({ upstream_id: upstreamId, weight: fc.integer({ min: 0, max: 100 }) });
  const trafficSplit =
    refs.upstreamIds.length === 0
      ? fc.constant(undefined)
      : fc.option(fc.array(weightedUpstream, { minLength: 1, maxLength: 3 }), { nil: undefined });
  const pluginConfigId = maybeOneOf(refs.pluginConfigIds);
  const rest = fc.record(
    {
      name: fc.string({ minLength: 1, maxLength: 20 }),
      desc: arbDesc,
      labels: arbLabels,
      remote_addrs: fc.uniqueArray(fc.oneof(fc.ipV4(), fc.ipV4().map((ip) => `${ip}/24`), fc.ipV6()), {
        minLength: 1,
        maxLength: 2,
      }),
      methods: fc.uniqueArray(fc.constantFrom(...HTTP_METHODS), { maxLength: 4 }),
      priority: fc.integer({ min: -100, max: 100 }),
      vars: fc.array(arbExprTerm, { maxLength: 3 }),
      timeout: arbTimeout,
      enable_websocket: fc.boolean(),
      status: fc.constantFrom(0 as const, 1 as const),
    },
    { requiredKeys: [] },
  );
  return fc
    .tuple(uri, hosts, upstreamId, trafficSplit, pluginConfigId, arbPlugins, rest)
    .map(([u, h, upstream_id, weighted, plugin_config_id, plugins, r]) => {
      const allPlugins: Record<string, unknown> = { ...plugins };
      if (weighted !== undefined) allPlugins['traffic-split'] = { rules: [{ weighted_upstreams: weighted }] };
      // A route needs plugins or an upstream_id.
      const needsPlugins = upstream_id === undefined || Object.keys(allPlugins).length > 0;
      return {
        id,
        ...u,
        ...h,
        ...r,
        ...(upstream_id === undefined ? {} : { upstream_id }),
        ...(plugin_config_id === undefined ? {} : { plugin_config_id }),
        ...(needsPlugins ? { plugins: allPlugins } : {}),
      };
    });
}

export function arbSsl(id: string, type: 'server' | 'client'): fc.Arbitrary<ApisixSsl> {
  const pems = fc.string({ unit: fc.constantFrom(...ID_CHARS), maxLength: 6 }).map((seed) => ({
    cert: testCertificatePem(`${id}${seed}`),
    key: testPrivateKeyPem(`${id}${seed}`),
  }));
  const names =
    type === 'client'
      ? fc.constant({})
      : fc.oneof(
          fc.record({ sni: arbHostName }),
          fc.record({ snis: fc.uniqueArray(arbHostName, { minLength: 1, maxLength: 3 }) }),
        );
  const rest = fc.record(
    {
      labels: arbLabels,
      client: fc.record(
        { ca: fc.constant(testCertificatePem('ca')), depth: fc.integer({ min: 0, max: 3 }) },
        { requiredKeys: ['ca'] },
      ),
      ssl_protocols: fc.uniqueArray(fc.constantFrom('TLSv1.2' as const, 'TLSv1.3' as const), { minLength: 1 }),
      status: fc.constantFrom(0 as const, 1 as const),
    },
    { requiredKeys: [] },
  );
  return fc.tuple(pems, names, rest).map(([p, n, r]) => ({ id, type, ...p, ...n, ...r }));
}

export function arbPluginConfig(id: string): fc.Arbitrary<ApisixPluginConfig> {
  const meta = fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), desc: arbDesc, labels: arbLabels }, { requiredKeys: [] });
  return fc.tuple(meta, arbPlugins).map(([m, plugins]) => ({ id, ...m, plugins }));
}

export function arbGlobalRule(id: string): fc.Arbitrary<ApisixGlobalRule> {
  return arbPlugins.map((plugins) => ({ id, plugins }));
}

export function arbStreamRoute(id: string, upstreamIds: readonly string[]): fc.Arbitrary<ApisixStreamRoute> {
  const upstreamId = maybeOneOf(upstreamIds).map((upstream_id) => (upstream_id === undefined ? {} : { upstream_id }));
  const rest = fc.record(
    {
      remote_addr: fc.oneof(fc.ipV4(), fc.ipV4().map((ip) => `${ip}/16`)),
      server_addr: fc.ipV4(),
      server_port: fc.integer({ min: 1, max: 65535 }),
      sni: arbHostName,
    },
    { requiredKeys: [] },
  );
  return fc.tuple(upstreamId, rest).map(([u, r]) => ({ id, ...u, ...r }));
}

export interface ResourcesOptions {
  /** Most resources per kind (default 5). */
  readonly maxPerKind?: number;
  /** Longest id (default 8); short ids make two draws share ids, which diff tests want. */
  readonly maxIdLength?: number;
}

function ids(options: ResourcesOptions): fc.Arbitrary<string[]> {
  return fc.uniqueArray(arbApisixId(options.maxIdLength ?? 8), { maxLength: options.maxPerKind ?? 5 });
}

function each<T>(list: readonly string[], make: (id: string) => fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc.tuple(...list.map(make));
}

/**
 * Valid and consistent `ApisixResources` (every reference resolves; `validateSnapshot` finds no problem), in no
 * particular order: `buildSnapshot` sorts.
 */
export function arbApisixResources(options: ResourcesOptions = {}): fc.Arbitrary<ApisixResources> {
  return fc
    .record({
      upstreamIds: ids(options),
      pluginConfigIds: ids(options),
      serverSslIds: ids(options),
      clientSslIds: ids(options).map((list) => list.map((id) => `client-${id}`)),
      routeIds: ids(options),
      globalRuleIds: ids(options),
      streamRouteIds: ids(options),
    })
    .chain((k) =>
      fc.record({
        upstreams: each(k.upstreamIds, (id) => arbUpstream(id, k.clientSslIds)),
        routes: each(k.routeIds, (id) => arbRoute(id, k)),
        ssls: fc
          .tuple(each(k.serverSslIds, (id) => arbSsl(id, 'server')), each(k.clientSslIds, (id) => arbSsl(id, 'client')))
          .map(([server, client]) => [...server, ...client]),
        plugin_configs: each(k.pluginConfigIds, arbPluginConfig),
        global_rules: each(k.globalRuleIds, arbGlobalRule),
        stream_routes: each(k.streamRouteIds, (id) => arbStreamRoute(id, k.upstreamIds)),
      }),
    );
}

/** A trust bundle of 0-3 distinct PEM roots. */
export function arbTrustBundle(): fc.Arbitrary<string[]> {
  return fc
    .uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 3 })
    .map((seeds) => seeds.map((seed) => testCertificatePem(`root-${seed}`)));
}

/** Resources and trust bundle: what a snapshot's hash covers. */
/** Mutable so tests can build variants; `SnapshotContent` accepts it. */
export interface GeneratedContent {
  resources: ApisixResources;
  trustBundle: string[];
}

export function arbSnapshotContent(options: ResourcesOptions = {}): fc.Arbitrary<GeneratedContent> {
  return fc.record({ resources: arbApisixResources(options), trustBundle: arbTrustBundle() });
}

/**
 * Two contents that overlap: `b` takes a random subset of `a`'s resources verbatim (same ids, same content) on top of
 * its own draw, so a diff between them has unchanged, changed, added and removed resources at once.
 */
export function arbContentPair(
  options: ResourcesOptions = {},
): fc.Arbitrary<{ a: GeneratedContent; b: GeneratedContent }> {
  const draws = fc.tuple(arbSnapshotContent(options), arbSnapshotContent(options), fc.infiniteStream(fc.boolean()));
  return draws.map(([a, drawn, coin]) => {
    const pick = <T extends { readonly id: string }>(mine: readonly T[], theirs: readonly T[]): T[] => {
      const byId = new Map(mine.map((r) => [r.id, r]));
      for (const resource of theirs) if (coin.next().value === true) byId.set(resource.id, resource);
      return [...byId.values()];
    };
    const r = a.resources;
    const d = drawn.resources;
    const resources: ApisixResources = {
      routes: pick(d.routes, r.routes),
      upstreams: pick(d.upstreams, r.upstreams),
      ssls: pick(d.ssls, r.ssls),
      plugin_configs: pick(d.plugin_configs, r.plugin_configs),
      global_rules: pick(d.global_rules, r.global_rules),
      stream_routes: pick(d.stream_routes, r.stream_routes),
    };
    return { a, b: { resources, trustBundle: coin.next().value === true ? a.trustBundle : drawn.trustBundle } };
  });
}
