// The SVIDs checked by the real openssl CLI: chain verification against the bundle and the printed extensions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateAuthority, IssuedSvid } from './authority.js';
import { createCsr } from './csr.js';
import { generateKeyPair } from './keys.js';
import { loadPluggedCa } from './plugged-ca.js';
import { createSelfSignedRoot } from './root-ca.js';
import { makeTempDir, openssl, opensslIntermediateCa, opensslOk } from './testing/openssl.js';
import type { TempDir } from './testing/openssl.js';

const cart = { trustDomain: 'example.org', namespace: 'shop', serviceAccount: 'cart' };

async function issue(ca: CertificateAuthority, dnsNames: string[] = []): Promise<IssuedSvid> {
  return ca.issueSvid({ csrPem: await createCsr({ keys: await generateKeyPair(), spiffeId: cart }), spiffeId: cart, dnsNames });
}

/** Writes the SVID's files and runs `openssl verify -CAfile bundle [-untrusted intermediates] leaf`. */
async function verify(dir: TempDir, name: string, svid: IssuedSvid, bundlePem = svid.trustBundle.toPem()) {
  const leaf = await dir.write(`${name}-leaf.pem`, svid.certificatePem);
  const bundle = await dir.write(`${name}-bundle.pem`, bundlePem);
  const intermediates = svid.chainPem.slice(svid.certificatePem.length);
  const untrusted = intermediates === '' ? [] : ['-untrusted', await dir.write(`${name}-chain.pem`, intermediates)];
  return openssl(['verify', '-CAfile', bundle, ...untrusted, '-purpose', 'sslclient', leaf], dir.path);
}

describe('SVIDs checked with openssl', () => {
  let dir: TempDir;
  let root: CertificateAuthority;
  let plugged: CertificateAuthority;
  beforeAll(async () => {
    dir = await makeTempDir();
    root = await createSelfSignedRoot({ trustDomain: 'example.org' });
    plugged = await loadPluggedCa({ trustDomain: 'example.org', ...(await opensslIntermediateCa(dir, 'corp')) });
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('openssl verify accepts an SVID of the self-signed root against the bundle', async () => {
    const result = await verify(dir, 'root', await issue(root));
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/root-leaf\.pem: OK/);
    expect(result.code).toBe(0);
  });

  it('openssl verify accepts an SVID of a plugged intermediate with the chain as untrusted', async () => {
    const svid = await issue(plugged);
    const result = await verify(dir, 'plugged', svid);
    expect(result.stdout).toMatch(/plugged-leaf\.pem: OK/);
    expect(result.code).toBe(0);
    // And as a server certificate too (serverAuth).
    const leaf = await dir.write('plugged-server.pem', svid.certificatePem);
    const chain = await dir.write('plugged-server-chain.pem', svid.chainPem.slice(svid.certificatePem.length));
    const bundle = await dir.write('plugged-server-bundle.pem', svid.trustBundle.toPem());
    await opensslOk(['verify', '-CAfile', bundle, '-untrusted', chain, '-purpose', 'sslserver', leaf], dir.path);
  });

  it('openssl verify refuses the SVID against another root, and without the intermediate', async () => {
    const svid = await issue(plugged);
    const other = await createSelfSignedRoot({ trustDomain: 'example.org' });
    const wrongRoot = await verify(dir, 'wrong', svid, other.trustBundle.toPem());
    expect(wrongRoot.code).not.toBe(0);
    expect(wrongRoot.stdout + wrongRoot.stderr).toMatch(/unable to get (local )?issuer certificate/);
    const leaf = await dir.write('nochain-leaf.pem', svid.certificatePem);
    const bundle = await dir.write('nochain-bundle.pem', svid.trustBundle.toPem());
    const noChain = await openssl(['verify', '-CAfile', bundle, leaf], dir.path);
    expect(noChain.code).not.toBe(0);
  });

  it('openssl verify accepts SVIDs of both roots during a root rotation', async () => {
    const next = await createSelfSignedRoot({ trustDomain: 'example.org', trustBundle: root.trustBundle });
    const bundle = next.trustBundle.toPem();
    expect((await verify(dir, 'rot-old', await issue(root), bundle)).code).toBe(0);
    expect((await verify(dir, 'rot-new', await issue(next), bundle)).code).toBe(0);
  });

  it('openssl x509 -text shows the URI SAN and the SVID extensions', async () => {
    const leaf = await dir.write('text-leaf.pem', (await issue(plugged, ['cart.shop.svc'])).certificatePem);
    const text = await opensslOk(['x509', '-in', leaf, '-noout', '-text'], dir.path);
    expect(text).toContain('Public Key Algorithm: id-ecPublicKey');
    expect(text).toContain('NIST CURVE: P-256');
    expect(text).toMatch(/Subject: *\n/);
    expect(text).toMatch(/X509v3 Subject Alternative Name: critical\n\s+URI:spiffe:\/\/example\.org\/ns\/shop\/sa\/cart, DNS:cart\.shop\.svc\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication, TLS Web Client Authentication\n/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
    expect(text).toContain('X509v3 Subject Key Identifier');
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    const serial = /Serial Number:\s*\n\s+([0-9a-f:]+)/.exec(text)?.[1];
    expect(serial?.replace(/:/g, '').length).toBeGreaterThanOrEqual(30);
    // The AKI of the leaf is the SKI of the intermediate that signed it.
    const ca = await dir.write('text-ca.pem', plugged.certificatePem);
    const caText = await opensslOk(['x509', '-in', ca, '-noout', '-text'], dir.path);
    const ski = /Subject Key Identifier: *\n\s+([0-9A-F:]+)/.exec(caText)?.[1];
    expect(ski).toBeDefined();
    expect(text).toContain(ski!);
  });

  it('openssl x509 -text shows the generated root as a CA', async () => {
    const file = await dir.write('root.pem', root.certificatePem);
    const text = await opensslOk(['x509', '-in', file, '-noout', '-text'], dir.path);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Certificate Sign, CRL Sign\n/);
    expect(text).toContain('URI:spiffe://example.org');
  });
});
