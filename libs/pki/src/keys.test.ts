import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyError } from './errors.js';
import { exportPrivateKeyPem, exportPublicKeyPem, generateKeyPair, importPrivateKeyPem, importPublicKeyPem } from './keys.js';

describe('keys', () => {
  it('generates a P-256 ECDSA key pair whose PEM round-trips and still signs', async () => {
    const keys = await generateKeyPair();
    expect(keys.privateKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    const privatePem = await exportPrivateKeyPem(keys.privateKey);
    const publicPem = await exportPublicKeyPem(keys.publicKey);
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);

    const privateKey = await importPrivateKeyPem(privatePem);
    const publicKey = await importPublicKeyPem(publicPem);
    const data = new TextEncoder().encode('weft');
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, data);
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, signature, data)).toBe(true);
    expect(await exportPrivateKeyPem(privateKey)).toBe(privatePem);
  });

  it('reads a SEC1 "EC PRIVATE KEY" as well', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const sec1 = privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    const key = await importPrivateKeyPem(sec1);
    expect(key.algorithm).toMatchObject({ namedCurve: 'P-256' });
  });

  it('refuses keys that are not P-256', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ed = generateKeyPairSync('ed25519');
    for (const pem of [
      p384.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      ed.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    ]) {
      await expect(importPrivateKeyPem(pem)).rejects.toMatchObject({ name: 'KeyError', reason: 'unsupported-key' });
    }
    await expect(importPublicKeyPem(rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString())).rejects.toThrow(
      /must be ECDSA P-256, found rsa/,
    );
    await expect(importPublicKeyPem(p384.publicKey.export({ format: 'pem', type: 'spki' }).toString())).rejects.toThrow(
      /found EC secp384r1/,
    );
  });

  it('refuses garbage with a typed error', async () => {
    await expect(importPrivateKeyPem('not a key')).rejects.toBeInstanceOf(KeyError);
    await expect(importPrivateKeyPem('not a key')).rejects.toMatchObject({ reason: 'not-pem' });
    await expect(
      importPrivateKeyPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
    ).rejects.toMatchObject({ reason: 'malformed' });
    await expect(
      importPublicKeyPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
    ).rejects.toMatchObject({ reason: 'not-pem' });
  });
});
