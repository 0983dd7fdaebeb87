import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrustBundleFile } from './bundle-file.js';

const MESH_ROOT = rootCertificates[0] as string; // any certificate will do as "the mesh root" here
const blocks = (pem: string): number => pem.split('-----BEGIN CERTIFICATE-----').length - 1;

describe('trust bundle file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-bundle-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('mesh roots first, then the public roots; rewritten only when the mesh roots change', async () => {
    const file = new TrustBundleFile(join(dir, 'trust-bundle.pem'), rootCertificates.join('\n'));
    expect(await file.write(MESH_ROOT)).toBe(true);
    const text = await readFile(file.path, 'utf8');
    expect(text.startsWith(MESH_ROOT)).toBe(true);
    expect(blocks(text)).toBe(1 + rootCertificates.length);
    expect(await file.write(MESH_ROOT)).toBe(false);
    expect(await file.write('')).toBe(true);
    expect(blocks(await readFile(file.path, 'utf8'))).toBe(rootCertificates.length);
  });

  it('without extra roots it holds the mesh roots only', async () => {
    const file = new TrustBundleFile(join(dir, 'sub', 'trust-bundle.pem'));
    await file.write(MESH_ROOT);
    expect(await readFile(file.path, 'utf8')).toBe(MESH_ROOT);
  });
});
