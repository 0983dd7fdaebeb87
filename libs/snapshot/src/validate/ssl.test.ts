import type { ApisixSsl } from '@weft/model';
import { describe, expect, it } from 'vitest';
import { mkClientSsl, mkResources, mkSsl, testCertificatePem, testPrivateKeyPem } from '../testing/builders.js';
import { validateResources } from './index.js';

function problems(ssl: object): [string, string][] {
  return validateResources(mkResources({ ssls: [ssl as ApisixSsl] })).map((p) => [p.code, p.path]);
}

describe('ssl validation', () => {
  it('accepts server and client certificates', () => {
    expect(
      problems(
        mkSsl('inbound', {
          snis: ['web.default.svc', '*.default.svc'],
          certs: [testCertificatePem('rsa')],
          keys: [testPrivateKeyPem('rsa')],
          client: { ca: testCertificatePem('ca') + testCertificatePem('ca2'), depth: 2, skip_mtls_uri_regex: ['^/healthz$'] },
          ssl_protocols: ['TLSv1.2', 'TLSv1.3'],
          status: 1,
          labels: { spiffe: 'spiffe://cluster.local/ns/default/sa/web' },
        }),
      ),
    ).toEqual([]);
    expect(problems(mkClientSsl('svid'))).toEqual([]);
    expect(problems(mkSsl('one', { snis: undefined, sni: 'web' }))).toEqual([]);
  });

  it('needs cert, key and, for a server, sni or snis (not both)', () => {
    expect(problems(mkSsl('s', { cert: undefined, key: undefined }))).toEqual([
      ['missing_field', 'ssls[s].cert'],
      ['missing_field', 'ssls[s].key'],
    ]);
    expect(problems(mkSsl('s', { snis: undefined }))).toEqual([['missing_field', 'ssls[s].sni']]);
    expect(problems(mkSsl('s', { sni: 'a' }))).toEqual([['conflicting_fields', 'ssls[s].snis']]);
    expect(problems(mkSsl('s', { snis: [] }))).toEqual([['invalid_value', 'ssls[s].snis']]);
    expect(problems(mkSsl('s', { type: 'peer' as never }))).toEqual([['invalid_value', 'ssls[s].type']]);
  });

  it('checks the PEM shape of certificates and keys', () => {
    const cases: [string, string][] = [
      ['not a pem at all', 'cert'],
      [testCertificatePem().replace('-----END CERTIFICATE-----', '-----END PRIVATE KEY-----'), 'cert'],
      [`junk before\n${testCertificatePem()}`, 'cert'],
      [testCertificatePem().replace(/\n[A-Za-z0-9]/, '\n!'), 'cert'],
    ];
    for (const [cert, field] of cases) expect(problems(mkSsl('s', { cert }))).toEqual([['invalid_value', `ssls[s].${field}`]]);
    expect(problems(mkSsl('s', { key: testPrivateKeyPem() + testPrivateKeyPem('two') }))).toEqual([['invalid_value', 'ssls[s].key']]);
    expect(problems(mkSsl('s', { key: testPrivateKeyPem().replaceAll('PRIVATE KEY', 'ENCRYPTED PRIVATE KEY') }))).toEqual([
      ['invalid_value', 'ssls[s].key'],
    ]);
    expect(problems(mkSsl('s', { key: testPrivateKeyPem().replaceAll('PRIVATE KEY', 'EC PRIVATE KEY') }))).toEqual([]);
    expect(problems(mkSsl('s', { cert: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----' }))).toEqual([
      ['invalid_value', 'ssls[s].cert'],
    ]);
  });

  it('pairs certs with keys', () => {
    expect(problems(mkSsl('s', { certs: [testCertificatePem('x')] }))).toEqual([['conflicting_fields', 'ssls[s].keys']]);
  });

  it('checks downstream mTLS settings', () => {
    expect(problems(mkSsl('s', { client: { depth: -1 } as never }))).toEqual([
      ['missing_field', 'ssls[s].client.ca'],
      ['invalid_value', 'ssls[s].client.depth'],
    ]);
    expect(problems(mkSsl('s', { ssl_protocols: ['SSLv3' as 'TLSv1.2'] }))).toEqual([['invalid_value', 'ssls[s].ssl_protocols[0]']]);
  });
});
