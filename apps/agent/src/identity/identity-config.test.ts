import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAgentConfig } from '../config.js';
import { readTokenFile, TokenFileError } from './token-file.js';

const pod = { POD_NAME: 'cart-1', POD_NAMESPACE: 'shop' };

describe('agent identity settings', () => {
  it('identity config - off without --ca-address; on it needs the root file', () => {
    expect(readAgentConfig([], pod)).toMatchObject({ caAddress: '', tokenFile: '/var/run/secrets/weft/token', trustDomain: 'cluster.local', svidLifetime: 0 });
    expect(() => readAgentConfig(['--ca-address', 'weft-control-plane.weft-system.svc:15012'], pod)).toThrow(/--ca-root-file \(or WEFT_CA_ROOT_FILE\) is required with --ca-address/);
    const config = readAgentConfig(['--ca-address', 'cp:15012', '--ca-root-file', '/roots.pem', '--svid-lifetime', '1h'], pod);
    expect(config).toMatchObject({ caAddress: 'cp:15012', caRootFile: '/roots.pem', svidLifetime: 3_600_000, csrMeshNames: false });
    expect(readAgentConfig(['--csr-mesh-names'], pod).csrMeshNames).toBe(true);
    expect(readAgentConfig([], { ...pod, WEFT_CSR_MESH_NAMES: 'true' }).csrMeshNames).toBe(true);
  });

  it('identity config - bad values are refused with the flag and the reason', () => {
    expect(() => readAgentConfig(['--ca-address', 'no-port'], pod)).toThrow(/--ca-address: "no-port" is not host:port/);
    expect(() => readAgentConfig(['--svid-lifetime', '5s'], pod)).toThrow(/--svid-lifetime: "5s" is shorter than 10s/);
    expect(() => readAgentConfig(['--trust-domain', 'UPPER'], pod)).toThrow(/--trust-domain: trust domain "UPPER"/);
    expect(() => readAgentConfig(['--snapshot', 'x.json', '--ca-address', 'cp:15012', '--ca-root-file', 'r.pem'], {})).toThrow(/--pod-namespace \(or POD_NAMESPACE\) is required with --ca-address/);
  });

  it('token file - read fresh and trimmed; missing or empty files say what to mount', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-token-'));
    try {
      const file = join(dir, 'token');
      await writeFile(file, 'aaa.bbb.ccc\n');
      expect(await readTokenFile(file)).toBe('aaa.bbb.ccc');
      await writeFile(file, 'ddd.eee.fff');
      expect(await readTokenFile(file)).toBe('ddd.eee.fff');
      await writeFile(file, '  \n');
      await expect(readTokenFile(file)).rejects.toThrow(/is empty/);
      await expect(readTokenFile(join(dir, 'missing'))).rejects.toThrow(TokenFileError);
      await expect(readTokenFile(join(dir, 'missing'))).rejects.toThrow(/mount a projected serviceAccountToken volume with audience "weft"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
