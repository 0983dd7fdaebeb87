import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr } from '../csr.js';
import { CsrError, IssuanceError } from '../errors.js';
import { generateKeyPair } from '../keys.js';
import { makeTempDir, opensslOk } from '../testing/openssl.js';
import type { TempDir } from '../testing/openssl.js';
import { checkCsrIdentity } from './csr-identity.js';

const cart = { trustDomain: 'cluster.local', namespace: 'shop', serviceAccount: 'cart' };

async function csr(spiffeId = cart, dnsNames?: string[]): Promise<string> {
  return createCsr({ keys: await generateKeyPair(), spiffeId, ...(dnsNames === undefined ? {} : { dnsNames }) });
}

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('the check accepted the CSR');
}

describe('checkCsrIdentity', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('weft-csr-identity-');
  });
  afterAll(async () => {
    await dir.remove();
  });

  /** An openssl CSR for cart with the given subject and extra request extensions. */
  async function opensslCsr(name: string, subject: string, extensions: string): Promise<string> {
    await opensslOk(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir.path);
    await dir.write(`${name}.cnf`, `[req]\ndistinguished_name = dn\nreq_extensions = ext\nprompt = no\n[dn]\n[ext]\nsubjectAltName = critical,URI:spiffe://cluster.local/ns/shop/sa/cart\n${extensions}`);
    await opensslOk(['req', '-new', '-key', `${name}.key`, '-config', `${name}.cnf`, '-subj', subject, '-out', `${name}.csr`], dir.path);
    return dir.read(`${name}.csr`);
  }

  it('accepts a CSR for exactly the authorised identity, and granted DNS names', async () => {
    expect(checkCsrIdentity({ csrPem: await csr(), spiffeId: cart }).spiffeId.uri).toBe('spiffe://cluster.local/ns/shop/sa/cart');
    const named = await csr(cart, ['cart.shop.svc']);
    expect(checkCsrIdentity({ csrPem: named, spiffeId: cart, dnsNames: ['cart.shop.svc', 'cart'] }).dnsNames).toEqual(['cart.shop.svc']);
    // openssl's CSR with an empty subject and only the SAN passes too.
    expect(checkCsrIdentity({ csrPem: await opensslCsr('plain', '/', ''), spiffeId: cart }).spiffeId.serviceAccount).toBe('cart');
  });

  it('refuses another ServiceAccount, namespace or trust domain with the CA’s reasons', async () => {
    const web = { ...cart, serviceAccount: 'web' };
    const err = failure(() => checkCsrIdentity({ csrPem: '', spiffeId: web }));
    expect(err).toBeInstanceOf(CsrError);
    const csrPem = await csr();
    expect(failure(() => checkCsrIdentity({ csrPem, spiffeId: web }))).toMatchObject({ name: 'IssuanceError', reason: 'identity-mismatch', message: expect.stringContaining('but the caller is authorised for spiffe://cluster.local/ns/shop/sa/web') as string });
    expect(failure(() => checkCsrIdentity({ csrPem, spiffeId: { ...cart, namespace: 'other' } }))).toMatchObject({ reason: 'identity-mismatch' });
    expect(failure(() => checkCsrIdentity({ csrPem, spiffeId: { ...cart, trustDomain: 'example.org' } }))).toMatchObject({ reason: 'trust-domain-mismatch' });
  });

  it('refuses DNS names that are not granted', async () => {
    const csrPem = await csr(cart, ['kubernetes.default.svc']);
    const refused = failure(() => checkCsrIdentity({ csrPem, spiffeId: cart, dnsNames: ['cart.shop.svc'] }));
    expect(refused).toBeInstanceOf(IssuanceError);
    expect(refused).toMatchObject({ reason: 'names-not-granted', message: expect.stringContaining('kubernetes.default.svc') as string });
  });

  it('refuses a subject and requested extensions, which a signer that copies the CSR would certify', async () => {
    const subject = await opensslCsr('subject', '/CN=admin/O=system:masters', '');
    expect(failure(() => checkCsrIdentity({ csrPem: subject, spiffeId: cart }))).toMatchObject({ name: 'CsrError', reason: 'subject-not-empty', message: expect.stringContaining('CN=admin, O=system:masters') as string });
    const ca = await opensslCsr('ca', '/', 'basicConstraints = critical,CA:TRUE\n');
    expect(failure(() => checkCsrIdentity({ csrPem: ca, spiffeId: cart }))).toMatchObject({ name: 'CsrError', reason: 'unsupported-extension', message: expect.stringContaining('2.5.29.19') as string });
  });
});
