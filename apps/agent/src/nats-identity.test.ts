import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inboxPrefixOf } from '@weft/bus';
import { createCsr, createSelfSignedRoot, generateKeyPair } from '@weft/pki';
import { readAgentConfig } from './config.js';
import type { SvidSource } from './identity/svid-source.js';
import { natsIdentityOptions } from './nats-identity.js';

const base = ['--pod-name', 'web-1', '--pod-namespace', 'shop'];

describe('natsIdentityOptions', () => {
  it('nats identity - presents the current SVID at each connection, with the identity’s inbox', async () => {
    const config = readAgentConfig([...base, '--ca-address', 'ca:15012', '--ca-root-file', '/roots.pem', '--nats-client-svid', 'true', '--nats-ca', '/nats-ca.pem'], {});
    let current: { chainPem: string; privateKeyPem: string } | undefined;
    const svids = { spiffeId: 'spiffe://cluster.local/ns/shop/sa/default', get current() { return current; } } as unknown as SvidSource;
    const options = await natsIdentityOptions(config, svids);
    expect(options.inboxPrefix).toBe(inboxPrefixOf('spiffe://cluster.local/ns/shop/sa/default'));
    expect(options.reconnectOnPermissionViolation).toBe(true);
    expect(options.tls?.caFile).toBe('/nats-ca.pem');
    expect(options.tls?.clientCertificate?.()).toBeUndefined();
    current = { chainPem: 'CHAIN-1', privateKeyPem: 'KEY-1' };
    expect(options.tls?.clientCertificate?.()).toEqual({ cert: 'CHAIN-1', key: 'KEY-1' });
    current = { chainPem: 'CHAIN-2', privateKeyPem: 'KEY-2' }; // rotated
    expect(options.tls?.clientCertificate?.()).toEqual({ cert: 'CHAIN-2', key: 'KEY-2' });
  });

  it('nats identity - takes the identity of a certificate file, and stays plain without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-nats-identity-'));
    try {
      const ca = await createSelfSignedRoot({ trustDomain: 'mesh.test' });
      const spiffeId = { trustDomain: 'mesh.test', namespace: 'shop', serviceAccount: 'web' };
      const svid = await ca.issueSvid({ csrPem: await createCsr({ keys: await generateKeyPair(), spiffeId }), spiffeId });
      const certFile = join(dir, 'svid.pem');
      writeFileSync(certFile, svid.chainPem);
      const fromFile = await natsIdentityOptions(readAgentConfig([...base, '--nats-cert', certFile, '--nats-key', join(dir, 'key.pem')], {}), undefined);
      expect(fromFile.inboxPrefix).toBe(inboxPrefixOf('spiffe://mesh.test/ns/shop/sa/web'));
      expect(fromFile.tls).toEqual({ certFile, keyFile: join(dir, 'key.pem') });
      expect(await natsIdentityOptions(readAgentConfig([...base, '--nats-ca', '/ca.pem'], {}), undefined)).toEqual({ tls: { caFile: '/ca.pem' } });
      expect(await natsIdentityOptions(readAgentConfig(base, {}), undefined)).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nats identity - refuses --nats-client-svid without a certificate service', () => {
    expect(() => readAgentConfig([...base, '--nats-client-svid', 'true'], {})).toThrow(/--nats-client-svid needs --ca-address/);
  });
});
