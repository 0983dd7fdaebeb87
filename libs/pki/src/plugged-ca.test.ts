import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaMaterial } from './authority.js';
import { TrustBundle } from './bundle.js';
import { createCsr } from './csr.js';
import { CaError } from './errors.js';
import type { CaProblem } from './errors.js';
import { generateKeyPair } from './keys.js';
import { loadPluggedCa } from './plugged-ca.js';
import { createSelfSignedRoot } from './root-ca.js';
import { makeTempDir, opensslIntermediateCa, opensslOk } from './testing/openssl.js';
import type { TempDir } from './testing/openssl.js';

const trustDomain = 'corp.example';
const cart = { trustDomain, namespace: 'shop', serviceAccount: 'cart' };

async function reasonOf(run: Promise<unknown>): Promise<CaProblem | undefined> {
  try {
    await run;
  } catch (error) {
    if (error instanceof CaError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('loadPluggedCa', () => {
  let dir: TempDir;
  let plugged: CaMaterial & { rootKey: string };
  let other: CaMaterial & { rootKey: string };
  beforeAll(async () => {
    dir = await makeTempDir();
    plugged = await opensslIntermediateCa(dir, 'corp');
    other = await opensslIntermediateCa(dir, 'other');
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('loads an intermediate CA made by openssl (SEC1 key) and issues with the intermediate in the chain', async () => {
    const ca = await loadPluggedCa({ trustDomain, ...plugged });
    expect(ca.trustDomain).toBe(trustDomain);
    const svid = await ca.issueSvid({ csrPem: await createCsr({ keys: await generateKeyPair(), spiffeId: cart }), spiffeId: cart });
    expect(svid.chainPem).toBe(svid.certificatePem + ca.certificatePem);
    expect(svid.trustBundle.toPem()).toBe(TrustBundle.fromPem(plugged.rootCert).toPem());
  });

  it('accepts cert-chain.pem with or without ca.crt first and the root last', async () => {
    await expect(loadPluggedCa({ trustDomain, ...plugged, certChain: plugged.caCert })).resolves.toBeDefined();
    await expect(loadPluggedCa({ trustDomain, ...plugged, certChain: plugged.rootCert })).resolves.toBeDefined();
  });

  it('exports its material in the cacerts layout and loads back the same CA', async () => {
    const ca = await loadPluggedCa({ trustDomain, ...plugged });
    const material = ca.exportMaterial();
    expect(material.certChain).toBe(ca.certificatePem + TrustBundle.fromPem(plugged.rootCert).toPem());
    const again = await loadPluggedCa({ trustDomain, ...material });
    expect(again.certificatePem).toBe(ca.certificatePem);
    expect(material.caKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('round-trips a generated self-signed root through its material', async () => {
    const root = await createSelfSignedRoot({ trustDomain });
    const material = root.exportMaterial();
    expect(material.caCert).toBe(material.rootCert);
    expect(material.certChain).toBe(material.caCert);
    const again = await loadPluggedCa({ trustDomain, ...material });
    expect(again.trustBundle.equals(root.trustBundle)).toBe(true);
    const svid = await again.issueSvid({ csrPem: await createCsr({ keys: await generateKeyPair(), spiffeId: cart }), spiffeId: cart });
    expect(svid.chainPem).toBe(svid.certificatePem);
  });

  it('refuses a key that is not the key of ca.crt', async () => {
    expect(await reasonOf(loadPluggedCa({ trustDomain, ...plugged, caKey: other.caKey }))).toBe('key-mismatch');
    await expect(loadPluggedCa({ trustDomain, ...plugged, caKey: other.caKey })).rejects.toThrow(
      'ca.key is not the private key of ca.crt',
    );
  });

  it('refuses a ca.crt that is not a CA', async () => {
    const leafCa = await loadPluggedCa({ trustDomain, ...plugged });
    const keys = await generateKeyPair();
    const leaf = await leafCa.issueSvid({ csrPem: await createCsr({ keys, spiffeId: cart }), spiffeId: cart });
    const leafKey = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
    const leafKeyPem = `-----BEGIN PRIVATE KEY-----\n${leafKey.toString('base64')}\n-----END PRIVATE KEY-----\n`;
    const run = loadPluggedCa({ trustDomain, ...plugged, caCert: leaf.certificatePem, caKey: leafKeyPem });
    expect(await reasonOf(run)).toBe('not-a-ca');
  });

  it('refuses a chain that does not end in root-cert.pem', async () => {
    expect(await reasonOf(loadPluggedCa({ trustDomain, ...plugged, rootCert: other.rootCert, certChain: plugged.caCert }))).toBe(
      'chain-broken',
    );
    await expect(
      loadPluggedCa({ trustDomain, ...plugged, rootCert: other.rootCert, certChain: plugged.caCert }),
    ).rejects.toThrow(/is not signed by any root of root-cert.pem/);
    // A foreign certificate in the chain file is not on the path.
    expect(
      await reasonOf(loadPluggedCa({ trustDomain, ...plugged, certChain: plugged.caCert + other.caCert + plugged.rootCert })),
    ).toBe('chain-broken');
  });

  it('follows a longer chain: root → intermediate → ca.crt', async () => {
    // Sign a second-level CA under the openssl intermediate, with openssl.
    const ext = await dir.write('l2.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
    await dir.write('corp-ca.key.pem', plugged.caKey);
    await dir.write('corp-ca.pem', plugged.caCert);
    await opensslOk(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'l2.key'], dir.path);
    await opensslOk(['req', '-new', '-key', 'l2.key', '-subj', '/O=corp/CN=level2', '-out', 'l2.csr'], dir.path);
    await opensslOk(
      ['x509', '-req', '-in', 'l2.csr', '-CA', 'corp-ca.pem', '-CAkey', 'corp-ca.key.pem', '-CAcreateserial', '-days', '30', '-extfile', ext, '-out', 'l2.crt'],
      dir.path,
    );
    const l2 = await dir.read('l2.crt');
    const material = { trustDomain, caCert: l2, caKey: await dir.read('l2.key'), rootCert: plugged.rootCert };
    const ca = await loadPluggedCa({ ...material, certChain: l2 + plugged.caCert + plugged.rootCert });
    const svid = await ca.issueSvid({ csrPem: await createCsr({ keys: await generateKeyPair(), spiffeId: cart }), spiffeId: cart });
    expect(svid.chainPem).toBe(svid.certificatePem + l2 + plugged.caCert);
    // Without the middle certificate the path is broken.
    expect(await reasonOf(loadPluggedCa({ ...material, certChain: l2 }))).toBe('chain-broken');
  });

  it('refuses an expired CA', async () => {
    expect(await reasonOf(loadPluggedCa({ trustDomain, ...plugged, now: new Date(Date.now() + 400 * 86_400_000) }))).toBe(
      'expired',
    );
  });

  it('refuses garbage and unsupported keys with typed errors', async () => {
    expect(await reasonOf(loadPluggedCa({ trustDomain, ...plugged, caCert: 'garbage' }))).toBe('malformed');
    expect(await reasonOf(loadPluggedCa({ trustDomain, ...plugged, caKey: 'garbage' }))).toBe('malformed');
    expect(await reasonOf(loadPluggedCa({ trustDomain, ...plugged, caCert: plugged.caCert + plugged.rootCert }))).toBe(
      'malformed',
    );
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(await reasonOf(loadPluggedCa({ trustDomain, ...plugged, caKey: ed }))).toBe('unsupported-key');
    await expect(loadPluggedCa({ ...plugged, trustDomain: 'Bad Domain' })).rejects.toMatchObject({ name: 'SpiffeIdError' });
  });

  it('adds extra roots to the bundle it hands out, for a root rotation', async () => {
    const previous = await createSelfSignedRoot({ trustDomain });
    const ca = await loadPluggedCa({ trustDomain, ...plugged, trustBundle: previous.trustBundle });
    expect(ca.trustBundle.size).toBe(2);
    const svid = await ca.issueSvid({ csrPem: await createCsr({ keys: await generateKeyPair(), spiffeId: cart }), spiffeId: cart });
    expect(svid.trustBundle.has(previous.trustBundle.fingerprints[0]!)).toBe(true);
  });
});
