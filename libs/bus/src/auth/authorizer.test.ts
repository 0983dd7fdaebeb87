import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { busNames } from '../names.js';
import { createAgentAuthorizer } from './authorizer.js';
import type { AuthDecision } from './authorizer.js';
import type { AuthRequest } from './callout-request.js';
import { identityKey } from './grants.js';
import { inboxPrefixOf } from './inbox.js';
import type { IdentityGrant } from './permissions.js';

x509.cryptoProvider.set(webcrypto as Crypto);
const HOUR = 3_600_000;
const NOW = new Date('2026-11-23T12:00:00Z');

/** A self-signed certificate valid until `notAfter`: the authorizer reads only its expiry; identityOf is stubbed. */
async function certificate(notAfter: Date): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=test', notBefore: new Date(NOW.getTime() - HOUR), notAfter, keys, signingAlgorithm: alg });
  return cert.toString('pem');
}

const request = (chain: string[], verified = true): AuthRequest => ({ userNkey: 'U', serverId: 'N', serverName: 's', clientChain: chain, verified, clientHost: '127.0.0.1', clientName: '' });
const grants = new Map<string, IdentityGrant>([[identityKey('shop', 'web'), { agents: ['shop_web-1'], scopes: ['s-a'] }]]);
const authorize = createAgentAuthorizer({
  names: busNames('c1'),
  account: 'WEFT',
  identityOf: (pem) => {
    if (pem.includes('MARK-OTHER')) throw new Error('spiffe://other.test/ns/shop/sa/web is not in trust domain "mesh.test"');
    return { uri: 'spiffe://mesh.test/ns/shop/sa/web', namespace: 'shop', serviceAccount: 'web' };
  },
  grants: () => grants,
  maxLifetimeMs: HOUR,
  now: () => NOW,
});
const refusal = (d: AuthDecision): string => (d.allow ? 'allowed' : d.reason);

describe('createAgentAuthorizer', () => {
  it('authorizer - lets a verified identity in with its grant, its inbox, and an expiry bounded by the certificate', async () => {
    const long = authorize(request([await certificate(new Date(NOW.getTime() + 24 * HOUR))]));
    if (!long.allow) throw new Error(long.reason);
    expect(long.grant).toEqual({ agents: ['shop_web-1'], scopes: ['s-a'] });
    expect(long.user.name).toBe('spiffe://mesh.test/ns/shop/sa/web');
    expect(long.user.account).toBe('WEFT');
    expect(long.user.permissions.subscribe.allow).toEqual([`${inboxPrefixOf('spiffe://mesh.test/ns/shop/sa/web')}.>`]);
    expect(long.user.permissions.publish.allow).toContain('weft.c1.status.shop_web-1');
    expect(long.user.expiresAt).toEqual(new Date(NOW.getTime() + HOUR));
    const soon = new Date(NOW.getTime() + 10 * 60_000);
    const short = authorize(request([await certificate(soon)]));
    expect(short.allow && short.user.expiresAt?.getTime()).toBe(Math.floor(soon.getTime() / 1000) * 1000);
  });

  it('authorizer - refuses no certificate, an unverified one, a foreign identity and an expired certificate', async () => {
    const valid = await certificate(new Date(NOW.getTime() + 24 * HOUR));
    expect(refusal(authorize(request([])))).toBe('no client certificate');
    expect(refusal(authorize(request([valid], false)))).toMatch(/not verified/);
    expect(refusal(authorize(request([`${valid}MARK-OTHER`])))).toMatch(/not in trust domain/);
    expect(refusal(authorize(request([await certificate(new Date(NOW.getTime() - 60_000))])))).toMatch(/has expired/);
  });

  it('authorizer - lets an identity without pods in with nothing but its inbox', async () => {
    const lonely = createAgentAuthorizer({
      names: busNames('c1'),
      account: 'WEFT',
      identityOf: () => ({ uri: 'spiffe://mesh.test/ns/new/sa/app', namespace: 'new', serviceAccount: 'app' }),
      grants: () => grants,
      now: () => NOW,
    })(request([await certificate(new Date(NOW.getTime() + 24 * HOUR))]));
    expect(lonely.allow && lonely.user.permissions.publish.allow).toEqual([]);
  });
});
