// Mutual TLS between SVIDs with node:tls: same CA succeeds, another trust domain or an expired certificate fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateAuthority } from './authority.js';
import { createCsr } from './csr.js';
import { exportPrivateKeyPem, generateKeyPair } from './keys.js';
import { loadPluggedCa } from './plugged-ca.js';
import type { SpiffeIdParts } from './spiffe-id.js';
import { createSelfSignedRoot } from './root-ca.js';
import { makeTempDir, opensslIntermediateCa } from './testing/openssl.js';
import type { TempDir } from './testing/openssl.js';
import { mtlsRequest, startMtlsServer } from './testing/tls.js';
import type { MtlsServer, TlsIdentity } from './testing/tls.js';

const HOUR = 3_600_000;

/** What an agent does: key in memory, CSR, SVID; returns the TLS material. */
async function agent(ca: CertificateAuthority, spiffeId: SpiffeIdParts, now?: Date, lifetimeMs?: number): Promise<TlsIdentity> {
  const keys = await generateKeyPair();
  const svid = await ca.issueSvid({
    csrPem: await createCsr({ keys, spiffeId }),
    spiffeId,
    ...(now === undefined ? {} : { now }),
    ...(lifetimeMs === undefined ? {} : { lifetimeMs }),
  });
  return { keyPem: await exportPrivateKeyPem(keys.privateKey), chainPem: svid.chainPem, bundlePem: svid.trustBundle.toPem() };
}

const id = (namespace: string, serviceAccount: string, trustDomain = 'example.org'): SpiffeIdParts => ({
  trustDomain,
  namespace,
  serviceAccount,
});
/** The `code` of the error the request failed with; fails the test if it succeeded. */
async function errorCode(request: Promise<unknown>): Promise<string> {
  try {
    await request;
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  throw new Error('the TLS request succeeded');
}

const uri = (parts: SpiffeIdParts): string => `spiffe://${parts.trustDomain}/ns/${parts.namespace}/sa/${parts.serviceAccount}`;

describe.each(['self-signed root', 'plugged intermediate'] as const)('mutual TLS with SVIDs of a %s', (kind) => {
  let dir: TempDir;
  let ca: CertificateAuthority;
  let foreignCa: CertificateAuthority;
  let server: MtlsServer;
  const web = id('shop', 'web');
  const cart = id('shop', 'cart');

  beforeAll(async () => {
    dir = await makeTempDir();
    ca =
      kind === 'self-signed root'
        ? await createSelfSignedRoot({ trustDomain: 'example.org', now: new Date(Date.now() - 10 * 24 * HOUR) })
        : await loadPluggedCa({ trustDomain: 'example.org', ...(await opensslIntermediateCa(dir, 'corp')) });
    foreignCa = await createSelfSignedRoot({ trustDomain: 'other.org' });
    server = await startMtlsServer(await agent(ca, web));
  });
  afterAll(async () => {
    await server.close();
    await dir.remove();
  });

  it('two SVIDs of the same CA complete the handshake and read each other\'s URI SAN', async () => {
    const result = await mtlsRequest(server.port, await agent(ca, cart), uri(web));
    expect(result.serverId).toBe(uri(web));
    expect(result.reply).toBe(`hello ${uri(cart)}\n`);
    expect(server.acceptedPeers).toContain(uri(cart));
  });

  it('the server refuses a client certificate from another trust domain\'s CA', async () => {
    const stranger = await agent(foreignCa, id('shop', 'cart', 'other.org'));
    // The stranger trusts our bundle, so only the server's check can stop it.
    const refusalsBefore = server.refusals.length;
    await expect(mtlsRequest(server.port, { ...stranger, bundlePem: (await agent(ca, cart)).bundlePem }, uri(web))).rejects.toThrow();
    expect(server.acceptedPeers).not.toContain('spiffe://other.org/ns/shop/sa/cart');
    expect(server.refusals.slice(refusalsBefore)).toEqual([expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT_IN_CHAIN/)]);
  });

  it('the client refuses a server from another trust domain', async () => {
    const foreignServer = await startMtlsServer(await agent(foreignCa, id('shop', 'web', 'other.org')));
    try {
      const code = await errorCode(mtlsRequest(foreignServer.port, await agent(ca, cart), uri(web)));
      // Node's server sends its root along when it is in its own `ca`, hence the self-signed variant.
      expect(code).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)$/);
    } finally {
      await foreignServer.close();
    }
  });

  it('an expired client certificate is refused by the server', async () => {
    // Issued two days ago for one hour: expired since yesterday.
    const expired = await agent(ca, cart, new Date(Date.now() - 2 * 24 * HOUR), HOUR);
    const refusalsBefore = server.refusals.length;
    await expect(mtlsRequest(server.port, expired, uri(web))).rejects.toThrow();
    expect(server.refusals.slice(refusalsBefore)).toEqual(['CERT_HAS_EXPIRED']);
  });

  it('an expired server certificate is refused by the client', async () => {
    const expiredServer = await startMtlsServer(await agent(ca, web, new Date(Date.now() - 2 * 24 * HOUR), HOUR));
    try {
      expect(await errorCode(mtlsRequest(expiredServer.port, await agent(ca, cart), uri(web)))).toBe('CERT_HAS_EXPIRED');
    } finally {
      await expiredServer.close();
    }
  });

  it('the client refuses a server of the same CA with another identity', async () => {
    await expect(mtlsRequest(server.port, await agent(ca, cart), uri(id('shop', 'db')))).rejects.toThrow(
      `server is ${uri(web)}, expected spiffe://example.org/ns/shop/sa/db`,
    );
  });
});
