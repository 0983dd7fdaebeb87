import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SnapshotMeta } from '@weft/model';
import { ContentState, deltaJson, restoreSnapshot } from '@weft/snapshot';
import { mkResources, mkRoute, mkUpstream } from '@weft/snapshot/testing';
import { AppliedStateFile } from './applied-state.js';
import { LastAppliedError } from './last-applied.js';

const metaOf = (version: string, state: ContentState): SnapshotMeta => ({ schema: '1.0', cluster: 'c1', scope: 'ns-a', version, hash: state.hash });

describe('AppliedStateFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-agent-applied-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps small changes as journal lines, folds them into a new base once the journal outgrows it, and reads back the latest', async () => {
    const file = new AppliedStateFile(dir, { compactAboveBytes: 1 });
    const state = ContentState.from({ resources: mkResources({ upstreams: [mkUpstream('web')], routes: [mkRoute('r0')] }), trustBundle: [] });
    await file.save({ meta: metaOf('1', state), delta: undefined, contentJson: () => state.toJson() }, '10');
    // The base is a whole Snapshot document: readable as one.
    const base = JSON.parse(await readFile(file.path, 'utf8')) as { snapshot: unknown; revision: string };
    expect(restoreSnapshot(base.snapshot).meta.version).toBe('1');
    let version = 1;
    const journalSizes: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const update = state.update({ changes: { routes: { upserted: [mkRoute(`r${i}`, { uri: `/${'x'.repeat(200)}/${i}` })], deleted: [] } } });
      const next = version + 2;
      await file.save({ meta: metaOf(String(next), state), delta: { baseVersion: String(version), json: deltaJson(update) }, contentJson: () => state.toJson() }, String(10 + i));
      version = next;
      journalSizes.push(await stat(file.journalPath).then((s) => s.size, () => 0));
    }
    // Lines were appended, then folded into a new base (journal gone), then appended again.
    expect(journalSizes.some((size) => size === 0)).toBe(true);
    expect(journalSizes.at(-1)).toBeGreaterThan(0);
    const loaded = await new AppliedStateFile(dir).load();
    expect(loaded?.meta).toEqual(metaOf(String(version), state));
    expect(loaded?.state.hash).toBe(state.hash);
    expect(loaded?.revision).toBe(16);
  });

  it('skips journal lines the base already covers, stops at one that does not chain, and refuses a base that does not verify', async () => {
    const file = new AppliedStateFile(dir);
    const state = ContentState.from({ resources: mkResources({ upstreams: [mkUpstream('web')], routes: [mkRoute('r0')] }), trustBundle: [] });
    await file.save({ meta: metaOf('5', state), delta: undefined, contentJson: () => state.toJson() }, '1');
    const first = state.update({ changes: { routes: { upserted: [mkRoute('r1')], deleted: [] } } });
    await file.save({ meta: metaOf('6', state), delta: { baseVersion: '5', json: deltaJson(first) }, contentJson: () => state.toJson() }, '2');
    // A line that claims another base: the chain ends before it.
    const second = state.update({ changes: { routes: { upserted: [mkRoute('r2')], deleted: [] } } });
    await file.save({ meta: metaOf('8', state), delta: { baseVersion: '7', json: deltaJson(second) }, contentJson: () => state.toJson() }, '3');
    second.undo();
    const loaded = await new AppliedStateFile(dir).load();
    expect(loaded?.meta.version).toBe('6');
    expect(loaded?.state.hash).toBe(state.hash);
    // The line that did not chain was cut from the file, so later lines chain onto version 6 again.
    expect((await readFile(file.journalPath, 'utf8')).trim().split('\n')).toHaveLength(1);

    const saved = JSON.parse(await readFile(file.path, 'utf8')) as { snapshot: { meta: { hash: string } }; revision: string };
    saved.snapshot.meta.hash = '0'.repeat(64);
    await (await import('node:fs/promises')).writeFile(file.path, JSON.stringify(saved));
    await expect(new AppliedStateFile(dir).load()).rejects.toThrow(LastAppliedError);
    expect(await new AppliedStateFile(join(dir, 'none')).load()).toBeUndefined();
  });
  it('writes each journal line before save returns (a crashed process loses none), syncs on close and reopens after', async () => {
    const file = new AppliedStateFile(dir, { syncDelayMs: 60_000 });
    const state = ContentState.from({ resources: mkResources({ upstreams: [mkUpstream('web')], routes: [mkRoute('r0')] }), trustBundle: [] });
    await file.save({ meta: metaOf('1', state), delta: undefined, contentJson: () => state.toJson() }, '1');
    const first = state.update({ changes: { routes: { upserted: [mkRoute('r1')], deleted: [] } } });
    await file.save({ meta: metaOf('2', state), delta: { baseVersion: '1', json: deltaJson(first) }, contentJson: () => state.toJson() }, '2');
    // Read by another instance (a restarted process) while the sync is still far off: the line is there.
    expect((await new AppliedStateFile(dir).load())?.meta.version).toBe('2');
    await file.close();
    const second = state.update({ changes: { routes: { upserted: [mkRoute('r2')], deleted: [] } } });
    await file.save({ meta: metaOf('3', state), delta: { baseVersion: '2', json: deltaJson(second) }, contentJson: () => state.toJson() }, '3');
    const loaded = await new AppliedStateFile(dir).load();
    expect(loaded?.meta.version).toBe('3');
    expect(loaded?.state.hash).toBe(state.hash);
    await file.close();
  });
});
