import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSnapshot, contentHash } from '@weft/snapshot';
import { mkResources, mkRoute, mkUpstream } from '@weft/snapshot/testing';
import { readSnapshotFile, SnapshotFileError } from './snapshot-file.js';

const resources = mkResources({ upstreams: [mkUpstream('web')], routes: [mkRoute('r1')] });

describe('readSnapshotFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-agent-file-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const defaults = { cluster: 'c1', version: '4' };

  it('reads a whole Snapshot with its own meta, or a SnapshotContent given scope "offline" and the next version', async () => {
    const snapshot = buildSnapshot({ cluster: 'prod', scope: 'ns-a', version: '17', resources });
    await writeFile(join(dir, 'snap.json'), JSON.stringify(snapshot));
    expect((await readSnapshotFile(join(dir, 'snap.json'), defaults)).meta).toEqual(snapshot.meta);
    await writeFile(join(dir, 'content.json'), JSON.stringify({ resources }));
    const content = await readSnapshotFile(join(dir, 'content.json'), defaults);
    expect(content.meta).toEqual({ cluster: 'c1', scope: 'offline', version: '4', hash: contentHash(resources, []) });
  });

  it('refuses a file that is not JSON, not an object, has a wrong hash, or holds neither shape', async () => {
    const cases: [string, string][] = [
      ['broken.json', '{ nope'],
      ['list.json', '[]'],
      ['hash.json', JSON.stringify({ ...buildSnapshot({ cluster: 'c', scope: 's', version: '1', resources }), meta: { schema: '1.0', cluster: 'c', scope: 's', version: '1', hash: 'bad' } })],
      ['other.json', JSON.stringify({ routes: [] })],
    ];
    for (const [name, text] of cases) {
      await writeFile(join(dir, name), text);
      await expect(readSnapshotFile(join(dir, name), defaults)).rejects.toBeInstanceOf(SnapshotFileError);
    }
    await expect(readSnapshotFile(join(dir, 'missing.json'), defaults)).rejects.toThrow('cannot read');
  });
});
