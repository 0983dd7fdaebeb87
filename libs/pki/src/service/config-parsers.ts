import { entry, parsers } from '@weft/telemetry';
import type { ConfigOf } from '@weft/telemetry';
import { isDnsName } from '../names.js';

// Flag/env parsers both certificate services (the control plane's and the cert-manager bridge's) read their
// shared settings with, so the same value means the same thing, with the same message, in both.

/** `host:port` (IPv6 in brackets); `example` completes the message. */
export function parseListenAddress(text: string, example: string): { readonly host: string; readonly port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(text);
  const host = m?.[1]?.replace(/^\[(.*)\]$/, '$1') ?? '';
  const port = Number(m?.[2]);
  if (m === null || host === '' || port > 65535) throw new Error(`"${text}" is not host:port (e.g. ${example})`);
  return { host, port };
}

export const certificateServiceParsers = {
  /** Comma-separated lowercase DNS names. */
  dnsNames: (text: string): readonly string[] => {
    const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const name of names) if (!isDnsName(name)) throw new Error(`"${name}" is not a lowercase DNS name`);
    return names;
  },
  nonNegativeNumber: (text: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`"${text}" is not a number >= 0`);
    return n;
  },
  /** A certificate lifetime: at least a minute. */
  lifetime: (text: string): number => {
    const ms = parsers.duration(text);
    if (ms < 60_000) throw new Error(`"${text}" is shorter than the 1m minimum`);
    return ms;
  },
  /** How long a TokenReview answer is reused: at most 5 minutes. */
  cacheTtl: (text: string): number => {
    const ms = parsers.duration(text);
    if (ms > 300_000) throw new Error(`"${text}" is longer than 5m: a revoked token would stay accepted that long`);
    return ms;
  },
} as const;

/** The settings both certificate services read with the same flags and meaning: rate limit and token checks. */
export const certificateServiceEntries = {
  caRate: entry({
    flag: 'ca-rate',
    env: 'WEFT_CA_RATE',
    default: '20',
    description: 'Certificates per second each identity (namespace/ServiceAccount) may get on average (token bucket); 0: no limit.',
    parse: certificateServiceParsers.nonNegativeNumber,
  }),
  caBurst: entry({
    flag: 'ca-burst',
    env: 'WEFT_CA_BURST',
    default: '200',
    description: 'Certificates one identity may get at once (the bucket size): at least the replicas of your largest Deployment.',
    parse: parsers.positiveInt,
  }),
  caTokenAudience: entry({
    flag: 'ca-token-audience',
    env: 'WEFT_CA_TOKEN_AUDIENCE',
    default: 'weft',
    description: 'Audience the agents’ projected ServiceAccount tokens must be issued for.',
    parse: parsers.nonEmpty,
  }),
  caTokenCacheTtl: entry({
    flag: 'ca-token-cache-ttl',
    env: 'WEFT_CA_TOKEN_CACHE_TTL',
    default: '60s',
    description: 'Longest a successful TokenReview is reused (never past the token’s own expiry; at most 5m).',
    parse: certificateServiceParsers.cacheTtl,
  }),
  caTokenVerification: entry({
    flag: 'ca-token-verification',
    env: 'WEFT_CA_TOKEN_VERIFICATION',
    default: 'local',
    description:
      'How agents’ tokens are checked. local: against the API server’s ServiceAccount issuer keys (/openid/v1/jwks) and the watched ' +
      'ServiceAccounts and pods, with TokenReview for every token not accepted that way (needs list/watch serviceaccounts and pods, ' +
      'get on /.well-known/openid-configuration and /openid/v1/jwks); tokenreview: a TokenReview for every new token.',
    parse: parsers.oneOf('local', 'tokenreview'),
  }),
};

/** The shared settings as both certificate services' options name them. */
export interface CertificateServiceSettings {
  /** Per identity, per second; 0 turns the limit off. */
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly audience: string;
  readonly tokenCacheTtlMs: number;
  /** `local` (the default): tokens are verified against the issuer keys and watched objects first, TokenReview for the rest. */
  readonly tokenVerification?: 'local' | 'tokenreview';
}

/** The values of `certificateServiceEntries`, read from either service's parsed configuration, as its options take them. */
export function certificateServiceSettings(config: ConfigOf<typeof certificateServiceEntries>): CertificateServiceSettings {
  return {
    ratePerSecond: config.caRate,
    burst: config.caBurst,
    audience: config.caTokenAudience,
    tokenCacheTtlMs: config.caTokenCacheTtl,
    tokenVerification: config.caTokenVerification,
  };
}
