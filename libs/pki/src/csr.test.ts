import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr, MAX_CSR_PEM_LENGTH, verifyCsr } from './csr.js';
import { CsrError } from './errors.js';
import type { CsrProblem } from './errors.js';
import { generateKeyPair, P256_SIGNING_ALGORITHM } from './keys.js';
import { bytesOf, children, objectIdentifier, readElement, sequence } from './der.js';
import { decodePemBlocks, encodePem } from './pem.js';
import { makeTempDir, opensslOk } from './testing/openssl.js';
import type { TempDir } from './testing/openssl.js';
import { x509 } from './x509.js';

const id = { trustDomain: 'example.org', namespace: 'shop', serviceAccount: 'cart' };
const uri = 'spiffe://example.org/ns/shop/sa/cart';

async function reasonOf(pem: string): Promise<CsrProblem | undefined> {
  await Promise.resolve();
  try {
    verifyCsr(pem);
  } catch (error) {
    if (error instanceof CsrError) return error.reason;
    throw error;
  }
  return undefined;
}

/** A CSR built directly with @peculiar/x509, to ask for things createCsr never would. */
async function rawCsr(names: x509.JsonGeneralName[]): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: await generateKeyPair(),
    signingAlgorithm: P256_SIGNING_ALGORITHM,
    extensions: names.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(names)],
  });
  return csr.toString('pem');
}

describe('createCsr / verifyCsr', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('creates a CSR for a SPIFFE ID that verifies and reports what it asks', async () => {
    const keys = await generateKeyPair();
    const pem = await createCsr({ keys, spiffeId: id, dnsNames: ['cart.shop.svc'] });
    const verified = verifyCsr(pem);
    expect(verified.spiffeId.uri).toBe(uri);
    expect(verified.dnsNames).toEqual(['cart.shop.svc']);
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
    expect(verified.publicKeySpki).toEqual(spki);
  });

  it('openssl reads the CSR, its signature and its URI SAN', async () => {
    const file = await dir.write('ok.csr', await createCsr({ keys: await generateKeyPair(), spiffeId: id }));
    const text = await opensslOk(['req', '-in', file, '-noout', '-verify', '-text'], dir.path);
    expect(text).toContain(`URI:${uri}`);
    expect(text).toContain('ASN1 OID: prime256v1');
  });

  it('accepts a P-256 CSR made by openssl', async () => {
    await opensslOk(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'p256.key'], dir.path);
    await opensslOk(
      ['req', '-new', '-key', 'p256.key', '-subj', '/', '-addext', `subjectAltName=URI:${uri}`, '-out', 'p256.csr'],
      dir.path,
    );
    expect(verifyCsr(await dir.read('p256.csr')).spiffeId.uri).toBe(uri);
  });

  it('refuses a CSR with two URI SANs', async () => {
    const pem = await rawCsr([
      { type: 'url', value: uri },
      { type: 'url', value: 'spiffe://example.org/ns/shop/sa/admin' },
    ]);
    expect(await reasonOf(pem)).toBe('multiple-uri-sans');
    expect(() => verifyCsr(pem)).toThrow(/2 URI SANs; exactly one is allowed/);
  });

  it('refuses a CSR with no URI SAN, or a URI that is not a SPIFFE ID', async () => {
    expect(await reasonOf(await rawCsr([]))).toBe('no-uri-san');
    expect(await reasonOf(await rawCsr([{ type: 'dns', value: 'cart.shop.svc' }]))).toBe('no-uri-san');
    expect(await reasonOf(await rawCsr([{ type: 'url', value: 'https://example.org/ns/a/sa/b' }]))).toBe('not-spiffe-id');
    expect(await reasonOf(await rawCsr([{ type: 'url', value: 'spiffe://Example.org/ns/a/sa/b' }]))).toBe('not-spiffe-id');
  });

  it('refuses SAN types other than URI and DNS', async () => {
    expect(await reasonOf(await rawCsr([{ type: 'url', value: uri }, { type: 'ip', value: '10.0.0.1' }]))).toBe(
      'unsupported-san',
    );
    expect(await reasonOf(await rawCsr([{ type: 'url', value: uri }, { type: 'email', value: 'a@b.c' }]))).toBe(
      'unsupported-san',
    );
  });

  it.each([
    ['RSA 2048', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'k.key'], /found rsa/],
    ['P-384', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'k.key'], /found EC secp384r1/],
    ['Ed25519', ['genpkey', '-algorithm', 'ED25519', '-out', 'k.key'], /found ed25519/],
  ])('refuses a CSR with a %s key (made by openssl)', async (_name, keygen, message) => {
    await opensslOk(keygen, dir.path);
    await opensslOk(['req', '-new', '-key', 'k.key', '-subj', '/', '-addext', `subjectAltName=URI:${uri}`, '-out', 'k.csr'], dir.path);
    const pem = await dir.read('k.csr');
    expect(await reasonOf(pem)).toBe('unsupported-key');
    expect(() => verifyCsr(pem)).toThrow(message);
  });

  it('refuses a CSR whose signature does not match its content', async () => {
    const pem = await createCsr({ keys: await generateKeyPair(), spiffeId: id });
    const der = decodePemBlocks(pem)?.[0]?.der;
    expect(der).toBeDefined();
    const tampered = new Uint8Array(der!);
    // Flip a byte inside the URI SAN, which the signature covers.
    const at = Buffer.from(tampered).indexOf(Buffer.from('shop'));
    tampered[at] = 'x'.charCodeAt(0);
    const reason = await reasonOf(encodePem('CERTIFICATE REQUEST', tampered));
    expect(reason).toBe('bad-signature');
  });

  it('refuses garbage PEM with a clear message', async () => {
    expect(await reasonOf('hello')).toBe('not-pem');
    expect(await reasonOf('')).toBe('not-pem');
    expect(() => verifyCsr('hello')).toThrow(/exactly one PEM block labelled "CERTIFICATE REQUEST"/);
    expect(await reasonOf('-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n')).toBe('not-pem');
    expect(await reasonOf(encodePem('CERTIFICATE REQUEST', new TextEncoder().encode('not asn.1 at all')))).toBe('malformed');
    expect(await reasonOf(encodePem('CERTIFICATE', new Uint8Array([0x30, 0x00])))).toBe('not-pem');
    const two = await createCsr({ keys: await generateKeyPair(), spiffeId: id });
    expect(await reasonOf(two + two)).toBe('not-pem');
  });

  it('refuses a huge CSR before parsing it', async () => {
    const huge = encodePem('CERTIFICATE REQUEST', new Uint8Array(MAX_CSR_PEM_LENGTH));
    expect(await reasonOf(huge)).toBe('too-large');
    const started = performance.now();
    expect(() => verifyCsr('x'.repeat(50 * 1024 * 1024))).toThrow(/more than the 16384 allowed/);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('refuses a CSR with a huge SAN list within the size cap', async () => {
    const names = Array.from({ length: 600 }, (_, i) => ({ type: 'dns' as const, value: `n${i}.x` }));
    const pem = await rawCsr([{ type: 'url', value: uri }, ...names]);
    expect(pem.length).toBeLessThan(MAX_CSR_PEM_LENGTH);
    expect(await reasonOf(pem)).toBe('too-large');
    expect(() => verifyCsr(pem)).toThrow('CSR asks for 601 names, more than the 32 allowed');
  });

  it('refuses a CSR signed with an algorithm other than ECDSA with SHA-2', async () => {
    const der = decodePemBlocks(await createCsr({ keys: await generateKeyPair(), spiffeId: id }))![0]!.der;
    const [info, , signature] = children(der, readElement(der, 0));
    // Same request and signature bytes, but labelled ecdsa-with-SHA1.
    const forged = sequence(bytesOf(der, info!), sequence(objectIdentifier('1.2.840.10045.4.1')), bytesOf(der, signature!));
    expect(await reasonOf(encodePem('CERTIFICATE REQUEST', forged))).toBe('unsupported-signature-algorithm');
    // The untouched parts re-assembled are the original request: the forgery changed only the label.
    const same = sequence(bytesOf(der, info!), sequence(objectIdentifier('1.2.840.10045.4.3.2')), bytesOf(der, signature!));
    expect(Buffer.from(same).equals(Buffer.from(der))).toBe(true);
  });

  it('turns any corruption of a valid CSR into a CsrError (property)', async () => {
    const der = decodePemBlocks(await createCsr({ keys: await generateKeyPair(), spiffeId: id, dnsNames: ['a.b'] }))![0]!.der;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: der.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat({ max: der.length }),
        (edits, cut) => {
          const bytes = new Uint8Array(der.subarray(0, Math.max(1, cut === 0 ? der.length : cut)));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          try {
            verifyCsr(encodePem('CERTIFICATE REQUEST', bytes));
          } catch (error) {
            return error instanceof CsrError;
          }
          // Some edits leave it valid (e.g. writing a byte over itself); then it must still be the same request.
          return Buffer.from(bytes).equals(Buffer.from(der));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
