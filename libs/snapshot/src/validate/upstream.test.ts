import type { ApisixUpstream } from '@weft/model';
import { describe, expect, it } from 'vitest';
import { mkResources, mkUpstream, testCertificatePem, testPrivateKeyPem } from '../testing/builders.js';
import { validateResources } from './index.js';

function problems(upstream: object): [string, string][] {
  return validateResources(mkResources({ upstreams: [upstream as ApisixUpstream] })).map((p) => [p.code, p.path]);
}

describe('upstream validation', () => {
  it('accepts a complete upstream', () => {
    expect(
      problems(
        mkUpstream('default.web.8080', {
          name: 'web',
          labels: { app: 'web' },
          type: 'chash',
          hash_on: 'header',
          key: 'x-user',
          nodes: [
            { host: '10.0.0.1', port: 8080, weight: 0, priority: -1, metadata: { zone: 'a' } },
            { host: '[fd00::1]', port: 65535, weight: 100 },
            { host: 'web.default.svc', port: 1, weight: 1 },
          ],
          scheme: 'https',
          pass_host: 'rewrite',
          upstream_host: 'web.default.svc',
          retries: 0,
          retry_timeout: 0,
          timeout: { connect: 1, send: 2, read: 3 },
          tls: { client_cert: testCertificatePem(), client_key: testPrivateKeyPem() },
          keepalive_pool: { size: 320, idle_timeout: 60, requests: 1000 },
          checks: { active: { type: 'tcp' }, passive: { type: 'http' } },
        }),
      ),
    ).toEqual([]);
  });

  it('accepts an upstream without endpoints (a Service with no ready pod)', () => {
    expect(problems(mkUpstream('u', { nodes: [] }))).toEqual([]);
  });

  it('checks nodes: host, port 1-65535, integer weight >= 0', () => {
    expect(problems(mkUpstream('u', { nodes: undefined as never }))).toEqual([['missing_field', 'upstreams[u].nodes']]);
    expect(
      problems(
        mkUpstream('u', {
          nodes: [
            { host: 'bad host', port: 0, weight: -1 },
            { host: 'a', port: 65536, weight: 1.5 },
            { port: 80, weight: 1, zone: 'x' } as never,
          ],
        }),
      ),
    ).toEqual([
      ['invalid_value', 'upstreams[u].nodes[0].host'],
      ['invalid_value', 'upstreams[u].nodes[0].port'],
      ['invalid_value', 'upstreams[u].nodes[0].weight'],
      ['invalid_value', 'upstreams[u].nodes[1].port'],
      ['invalid_value', 'upstreams[u].nodes[1].weight'],
      ['unknown_field', 'upstreams[u].nodes[2].zone'],
      ['missing_field', 'upstreams[u].nodes[2].host'],
    ]);
    expect(problems(mkUpstream('u', { nodes: { '10.0.0.1:80': 1 } as never }))).toEqual([['invalid_value', 'upstreams[u].nodes']]);
  });

  it('checks the enums', () => {
    expect(problems(mkUpstream('u', { type: 'random' as never, scheme: 'kafka' as never, pass_host: 'keep' as never }))).toEqual([
      ['invalid_value', 'upstreams[u].type'],
      ['invalid_value', 'upstreams[u].scheme'],
      ['invalid_value', 'upstreams[u].pass_host'],
    ]);
  });

  it('needs upstream_host for pass_host rewrite', () => {
    expect(problems(mkUpstream('u', { pass_host: 'rewrite' }))).toEqual([['missing_field', 'upstreams[u].upstream_host']]);
    expect(problems(mkUpstream('u', { pass_host: 'rewrite', upstream_host: '' }))).toEqual([
      ['invalid_value', 'upstreams[u].upstream_host'],
      ['missing_field', 'upstreams[u].upstream_host'],
    ]);
  });

  it('needs a well-formed chash key unless hashing on the consumer', () => {
    expect(problems(mkUpstream('u', { type: 'chash' }))).toEqual([['missing_field', 'upstreams[u].key']]);
    expect(problems(mkUpstream('u', { type: 'chash', key: 'http_x' }))).toEqual([['invalid_value', 'upstreams[u].key']]);
    expect(problems(mkUpstream('u', { type: 'chash', key: 'arg_user' }))).toEqual([]);
    expect(problems(mkUpstream('u', { type: 'chash', hash_on: 'cookie', key: 'a b' }))).toEqual([['invalid_value', 'upstreams[u].key']]);
    expect(problems(mkUpstream('u', { type: 'chash', hash_on: 'consumer' }))).toEqual([]);
  });

  it('checks retries and timeouts', () => {
    expect(problems(mkUpstream('u', { retries: -1, retry_timeout: -0.5, timeout: { connect: 1, send: -1, read: 1 } }))).toEqual([
      ['invalid_value', 'upstreams[u].retries'],
      ['invalid_value', 'upstreams[u].retry_timeout'],
      ['invalid_value', 'upstreams[u].timeout.send'],
    ]);
  });

  it('checks client TLS: PEM shape, cert and key together, exclusive with client_cert_id', () => {
    expect(problems(mkUpstream('u', { tls: { client_cert: testCertificatePem() } }))).toEqual([['missing_field', 'upstreams[u].tls.client_key']]);
    expect(problems(mkUpstream('u', { tls: { client_cert: testCertificatePem(), client_key: testPrivateKeyPem(), client_cert_id: 'c' } }))).toEqual([
      ['conflicting_fields', 'upstreams[u].tls.client_cert_id'],
    ]);
    expect(problems(mkUpstream('u', { tls: { client_cert: testPrivateKeyPem(), client_key: testCertificatePem() } }))).toEqual([
      ['invalid_value', 'upstreams[u].tls.client_cert'],
      ['invalid_value', 'upstreams[u].tls.client_key'],
    ]);
    expect(problems(mkUpstream('u', { tls: { client_cert_id: 'c', verify: true } as never }))).toEqual([['unknown_field', 'upstreams[u].tls.verify']]);
  });

  it('refuses passive-only health checks', () => {
    expect(problems(mkUpstream('u', { checks: { passive: {} } }))).toEqual([['missing_field', 'upstreams[u].checks.active']]);
    expect(problems(mkUpstream('u', { checks: { active: { type: 'udp' } } }))).toEqual([['invalid_value', 'upstreams[u].checks.active.type']]);
  });

  it('refuses unknown top-level fields', () => {
    expect(problems({ ...mkUpstream('u'), service_name: 'x', discovery_type: 'dns' })).toEqual([
      ['unknown_field', 'upstreams[u].service_name'],
      ['unknown_field', 'upstreams[u].discovery_type'],
    ]);
  });
});
