import type {
  ApisixGlobalRule,
  ApisixPluginConfig,
  ApisixResources,
  ApisixRoute,
  ApisixSsl,
  ApisixStreamRoute,
  ApisixUpstream,
} from '@weft/model';
import { emptyApisixResources } from '@weft/model';

/**
 * PEM-shaped test material: the right armour and base64 body for the validators, not a parseable certificate.
 * Use @weft/pki to mint real ones when a test talks TLS.
 */
function fakePem(label: string, seed: string): string {
  const body = Buffer.from(`weft test ${label} ${seed} `.repeat(8)).toString('base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function testCertificatePem(seed = 'cert'): string {
  return fakePem('CERTIFICATE', seed);
}

export function testPrivateKeyPem(seed = 'key'): string {
  return fakePem('PRIVATE KEY', seed);
}

export function mkUpstream(id: string, overrides: Partial<ApisixUpstream> = {}): ApisixUpstream {
  return { id, type: 'roundrobin', scheme: 'http', nodes: [{ host: '10.0.0.1', port: 8080, weight: 1 }], ...overrides };
}

export function mkRoute(id: string, overrides: Partial<ApisixRoute> = {}): ApisixRoute {
  return { id, uri: '/*', hosts: ['web.default.svc'], upstream_id: 'web', ...overrides };
}

export function mkSsl(id: string, overrides: Partial<ApisixSsl> = {}): ApisixSsl {
  return {
    id,
    type: 'server',
    cert: testCertificatePem(id),
    key: testPrivateKeyPem(id),
    snis: ['web.default.svc'],
    ...overrides,
  };
}

/** A client certificate, the kind an upstream's `tls.client_cert_id` points at. */
export function mkClientSsl(id: string, overrides: Partial<ApisixSsl> = {}): ApisixSsl {
  return { id, type: 'client', cert: testCertificatePem(id), key: testPrivateKeyPem(id), ...overrides };
}

export function mkPluginConfig(id: string, overrides: Partial<ApisixPluginConfig> = {}): ApisixPluginConfig {
  return { id, plugins: { 'request-id': { header_name: 'X-Request-Id' } }, ...overrides };
}

export function mkGlobalRule(id: string, overrides: Partial<ApisixGlobalRule> = {}): ApisixGlobalRule {
  return { id, plugins: { prometheus: { prefer_name: true } }, ...overrides };
}

export function mkStreamRoute(id: string, overrides: Partial<ApisixStreamRoute> = {}): ApisixStreamRoute {
  return { id, server_port: 9100, upstream_id: 'web', ...overrides };
}

/** All kinds, empty unless given. */
export function mkResources(parts: Partial<ApisixResources> = {}): ApisixResources {
  return { ...emptyApisixResources(), ...parts };
}

/**
 * A synthetic scope: `count` upstreams (`svc-<i>`, `nodesPer` endpoints each) and one route per upstream.
 * The shape of the 10,000-Service benchmark.
 */
export function mkLargeResources(count: number, nodesPer = 3): ApisixResources {
  const upstreams: ApisixUpstream[] = [];
  const routes: ApisixRoute[] = [];
  for (let i = 0; i < count; i++) {
    const id = `ns-${i % 500}.svc-${i}.8080`;
    const nodes = Array.from({ length: nodesPer }, (_, n) => ({
      host: `10.${(i >> 8) & 255}.${i & 255}.${n + 1}`,
      port: 8080,
      weight: 1,
    }));
    upstreams.push(mkUpstream(id, { nodes, labels: { 'weft.dev/service': `svc-${i}` } }));
    routes.push(
      mkRoute(id, {
        uri: '/*',
        hosts: [`svc-${i}`, `svc-${i}.ns-${i % 500}`, `svc-${i}.ns-${i % 500}.svc`, `svc-${i}.ns-${i % 500}.svc.cluster.local`],
        upstream_id: id,
        timeout: { connect: 5, send: 30, read: 30 },
      }),
    );
  }
  return mkResources({ upstreams, routes });
}
