/**
 * The APISIX 3.x resources Weft writes into a sidecar's config store (facts: shared/apisix-contract.md §3).
 * Core schemas are `additionalProperties: false`, so these types carry only fields APISIX accepts.
 */

/** Resource kinds Weft manages, named as APISIX names its etcd directories and apisix.yaml keys. */
export const APISIX_KINDS = ['routes', 'upstreams', 'ssls', 'plugin_configs', 'global_rules', 'stream_routes'] as const;
export type ApisixKind = (typeof APISIX_KINDS)[number];

export function isApisixKind(value: string): value is ApisixKind {
  return (APISIX_KINDS as readonly string[]).includes(value);
}

/** APISIX id: 1-64 characters of `[a-zA-Z0-9-_.]`. */
export const APISIX_ID_PATTERN = /^[a-zA-Z0-9._-]{1,64}$/;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS' | 'CONNECT' | 'TRACE' | 'PURGE';

/** A lua-resty-expr term: `[var, op, value]`, `[var, '!', op, value]`, or a nested logical group. */
export type ApisixExpr = readonly unknown[];

export type ApisixPlugins = Readonly<Record<string, unknown>>;

export interface ApisixTimeout {
  readonly connect: number;
  readonly send: number;
  readonly read: number;
}

export interface ApisixRoute {
  readonly id: string;
  readonly name?: string;
  readonly desc?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly uri?: string;
  readonly uris?: readonly string[];
  readonly host?: string;
  readonly hosts?: readonly string[];
  readonly remote_addrs?: readonly string[];
  readonly methods?: readonly HttpMethod[];
  readonly priority?: number;
  readonly vars?: readonly ApisixExpr[];
  readonly plugins?: ApisixPlugins;
  readonly plugin_config_id?: string;
  readonly upstream_id?: string;
  readonly timeout?: ApisixTimeout;
  readonly enable_websocket?: boolean;
  readonly status?: 0 | 1;
}

export interface ApisixNode {
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly priority?: number;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export type ApisixScheme = 'http' | 'https' | 'grpc' | 'grpcs' | 'tcp' | 'tls' | 'udp';

export interface ApisixUpstream {
  readonly id: string;
  readonly name?: string;
  readonly desc?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly type?: 'roundrobin' | 'chash' | 'ewma' | 'least_conn';
  readonly hash_on?: 'vars' | 'header' | 'cookie' | 'consumer' | 'vars_combinations';
  readonly key?: string;
  readonly nodes: readonly ApisixNode[];
  readonly scheme?: ApisixScheme;
  readonly pass_host?: 'pass' | 'node' | 'rewrite';
  readonly upstream_host?: string;
  readonly retries?: number;
  readonly retry_timeout?: number;
  readonly timeout?: ApisixTimeout;
  readonly tls?: { readonly client_cert?: string; readonly client_key?: string; readonly client_cert_id?: string };
  readonly keepalive_pool?: { readonly size?: number; readonly idle_timeout?: number; readonly requests?: number };
  readonly checks?: Readonly<Record<string, unknown>>;
}

export interface ApisixSsl {
  readonly id: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly type?: 'server' | 'client';
  readonly cert: string;
  readonly key: string;
  readonly certs?: readonly string[];
  readonly keys?: readonly string[];
  readonly sni?: string;
  readonly snis?: readonly string[];
  readonly client?: { readonly ca: string; readonly depth?: number; readonly skip_mtls_uri_regex?: readonly string[] };
  readonly ssl_protocols?: readonly ('TLSv1.1' | 'TLSv1.2' | 'TLSv1.3')[];
  readonly status?: 0 | 1;
}

export interface ApisixPluginConfig {
  readonly id: string;
  readonly name?: string;
  readonly desc?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly plugins: ApisixPlugins;
}

export interface ApisixGlobalRule {
  readonly id: string;
  readonly plugins: ApisixPlugins;
}

export interface ApisixStreamRoute {
  readonly id: string;
  readonly name?: string;
  readonly desc?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly remote_addr?: string;
  readonly server_addr?: string;
  readonly server_port?: number;
  readonly sni?: string;
  readonly upstream_id?: string;
  readonly plugins?: ApisixPlugins;
}

/** Resource type of each kind. */
export interface ApisixResourceByKind {
  readonly routes: ApisixRoute;
  readonly upstreams: ApisixUpstream;
  readonly ssls: ApisixSsl;
  readonly plugin_configs: ApisixPluginConfig;
  readonly global_rules: ApisixGlobalRule;
  readonly stream_routes: ApisixStreamRoute;
}

export type ApisixResource = ApisixResourceByKind[ApisixKind];

/** Everything APISIX reads for one scope, each list sorted by id. */
export type ApisixResources = { readonly [K in ApisixKind]: readonly ApisixResourceByKind[K][] };

export function emptyApisixResources(): ApisixResources {
  return { routes: [], upstreams: [], ssls: [], plugin_configs: [], global_rules: [], stream_routes: [] };
}
