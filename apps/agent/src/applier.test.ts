import { describe, expect, it } from 'vitest';
import type { Snapshot } from '@weft/model';
import { contentHash, diffResources } from '@weft/snapshot';
import type { SnapshotContent } from '@weft/snapshot';
import { mkResources, mkRoute, mkUpstream } from '@weft/snapshot/testing';
import { SnapshotApplier } from './applier.js';
import type { ApplyTarget, IncomingMeta } from './applier.js';

/** Records what reached the stores. */
class RecordingTarget implements ApplyTarget {
  readonly applied: Snapshot[] = [];
  readonly persisted: string[] = [];
  failNext = false;

  apply(snapshot: Snapshot): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('disk full'));
    }
    this.applied.push(snapshot);
    return Promise.resolve();
  }

  persist(snapshot: Snapshot): Promise<void> {
    this.persisted.push(snapshot.meta.version);
    return Promise.resolve();
  }
}

const v1: SnapshotContent = { resources: mkResources({ upstreams: [mkUpstream('web')], routes: [mkRoute('r1')] }), trustBundle: [] };
const v2: SnapshotContent = {
  resources: mkResources({ upstreams: [mkUpstream('web'), mkUpstream('api')], routes: [mkRoute('r1'), mkRoute('r2', { upstream_id: 'api', uri: '/api/*' })] }),
  trustBundle: [],
};
const v3: SnapshotContent = { resources: mkResources({ upstreams: [mkUpstream('api')], routes: [mkRoute('r2', { upstream_id: 'api' })] }), trustBundle: [] };

function meta(version: string, content: SnapshotContent, baseVersion?: string): IncomingMeta {
  return { cluster: 'c1', scope: 'ns-a', version, hash: contentHash(content.resources, content.trustBundle), ...(baseVersion === undefined ? {} : { baseVersion }) };
}

function setup(maxSnapshotBytes = 1 << 20): { target: RecordingTarget; applier: SnapshotApplier } {
  const target = new RecordingTarget();
  let clock = 0;
  const applier = new SnapshotApplier(target, { maxSnapshotBytes, now: () => (clock += 2) });
  return { target, applier };
}

describe('SnapshotApplier', () => {
  it('applies a full state, then a delta onto it, and tells the stores', async () => {
    const { target, applier } = setup();
    const first = await applier.full(meta('3', v1), v1, 0);
    expect(first).toMatchObject({ type: 'applied', snapshot: { meta: { version: '3', scope: 'ns-a' } } });
    const second = await applier.delta(meta('5', v2, '3'), diffResources(v1, v2), 0);
    expect(second.type).toBe('applied');
    expect(target.applied.map((s) => s.meta.version)).toEqual(['3', '5']);
    expect(target.applied[1]?.resources.routes.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(target.persisted).toEqual(['3', '5']);
    expect(applier.served?.meta.hash).toBe(meta('5', v2).hash);
    expect(applier.chainVersion('ns-a')).toBe('5');
    expect(applier.chainVersion('ns-b')).toBeUndefined();
    expect(applier.lastError).toBeNull();
  });

  it('asks for the full state when a delta does not chain or gives another hash, and keeps serving', async () => {
    const { target, applier } = setup();
    await applier.full(meta('3', v1), v1, 0);
    // A delta onto a version it does not hold.
    expect(await applier.delta(meta('7', v3, '6'), diffResources(v2, v3), 0)).toMatchObject({ type: 'need-full' });
    // A delta that chains but whose result is not the published content: the local base is dropped.
    const wrong = await applier.delta({ ...meta('5', v2, '3'), hash: 'f'.repeat(64) }, diffResources(v1, v2), 0);
    expect(wrong).toMatchObject({ type: 'need-full', reason: expect.stringContaining('hash') as unknown });
    expect(applier.chainVersion('ns-a')).toBeUndefined();
    expect(applier.served?.meta.version).toBe('3');
    // The full state read next applies.
    expect((await applier.full(meta('5', v2), v2, 0)).type).toBe('applied');
    expect(target.applied.map((s) => s.meta.version)).toEqual(['3', '5']);
  });

  it('rejects a malformed, hash-mismatched, schema-invalid or oversized version and keeps the last good one', async () => {
    const { target, applier } = setup(2_000);
    await applier.full(meta('1', v1), v1, 0);
    const malformed = await applier.full({ ...meta('2', v1), hash: 'x' }, { resources: { routes: 'nope' } }, 0);
    expect(malformed).toMatchObject({ type: 'rejected', reason: 'malformed', version: '2' });
    expect(applier.lastError).toContain('malformed');
    const mismatched = await applier.full({ ...meta('3', v1), hash: 'a'.repeat(64) }, v2, 0);
    expect(mismatched).toMatchObject({ type: 'rejected', reason: 'hash-mismatch' });
    const dangling: SnapshotContent = { resources: mkResources({ routes: [mkRoute('r1', { upstream_id: 'missing' })] }), trustBundle: [] };
    const invalid = await applier.full(meta('4', dangling), dangling, 0);
    expect(invalid).toMatchObject({ type: 'rejected', reason: 'invalid' });
    expect(applier.lastError).toContain('missing');
    const big: SnapshotContent = { resources: mkResources({ upstreams: [mkUpstream('web', { desc: 'x'.repeat(3_000) })], routes: [mkRoute('r1')] }), trustBundle: [] };
    expect(await applier.full(meta('5', big), big, 0)).toMatchObject({ type: 'rejected', reason: 'too-large' });
    expect(target.applied.map((s) => s.meta.version)).toEqual(['1']);
    expect(applier.served?.meta.version).toBe('1');
    // The next good version applies and clears the error.
    expect((await applier.full(meta('6', v2), v2, 0)).type).toBe('applied');
    expect(applier.lastError).toBeNull();
  });

  it('applies deltas onto a rejected version, so one bad version does not break the chain', async () => {
    const { target, applier } = setup();
    await applier.full(meta('1', v1), v1, 0);
    const dangling: SnapshotContent = { resources: mkResources({ upstreams: [mkUpstream('web')], routes: [mkRoute('r1'), mkRoute('r9', { upstream_id: 'api' })] }), trustBundle: [] };
    expect(await applier.delta(meta('2', dangling, '1'), diffResources(v1, dangling), 0)).toMatchObject({ type: 'rejected', reason: 'invalid' });
    // The fix arrives as a delta onto the rejected version 2.
    expect((await applier.delta(meta('3', v2, '2'), diffResources(dangling, v2), 0)).type).toBe('applied');
    expect(target.applied.map((s) => s.meta.version)).toEqual(['1', '3']);
  });

  it('treats a delta that does not apply as corrupt, and a store failure as a rejection', async () => {
    const { target, applier } = setup();
    await applier.full(meta('1', v1), v1, 0);
    const broken = await applier.delta(meta('2', v2, '1'), { changes: { routes: { upserted: [], deleted: ['ghost'] } } }, 0);
    expect(broken).toMatchObject({ type: 'need-full' });
    target.failNext = true;
    expect(await applier.full(meta('2', v2), v2, 0)).toMatchObject({ type: 'rejected', reason: 'store-failed' });
    expect(applier.served?.meta.version).toBe('1');
    expect(applier.refused('9', new Error('schema "2.0" refused'))).toMatchObject({ type: 'rejected', reason: 'refused' });
    expect(applier.lastError).toContain('2.0');
  });

  it('resumes from a restored snapshot and measures the apply from receipt', async () => {
    const { target, applier } = setup();
    const restored = { meta: { schema: '1.0', ...meta('4', v1) }, ...v1 } as Snapshot;
    applier.restored(restored);
    expect(applier.chainVersion('ns-a')).toBe('4');
    const outcome = await applier.delta(meta('6', v2, '4'), diffResources(v1, v2), 0);
    expect(outcome).toMatchObject({ type: 'applied', durationMs: 2 });
    expect(target.applied).toHaveLength(1);
    // The same content under a newer version moves the version without touching the stores.
    expect(await applier.full(meta('8', v2), v2, 0)).toMatchObject({ type: 'applied' });
    expect(target.applied).toHaveLength(1);
    expect(applier.served?.meta.version).toBe('8');
    expect(target.persisted).toEqual(['6', '8']);
  });
});
