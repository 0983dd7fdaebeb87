import { describe, expect, it } from 'vitest';
import type { SnapshotMeta } from '@weft/model';
import { canonicalJson, ContentState, contentHash, diffResources, parseJsonText } from '@weft/snapshot';
import type { SnapshotContent } from '@weft/snapshot';
import { mkResources, mkRoute, mkUpstream } from '@weft/snapshot/testing';
import { SnapshotApplier } from './applier.js';
import { clientViewOf } from './client-view.js';
import type { ApplyTarget, IncomingMeta, PersistRecord, StoreUpdate } from './applier.js';

/** Records what reached the stores: each update as `whole` or the changed keys, and what was persisted. */
class RecordingTarget implements ApplyTarget {
  readonly applied: { version: string; whole: boolean; keys: string[] }[] = [];
  readonly persisted: { version: string; delta: string | undefined; baseVersion: string | undefined; content: string | undefined }[] = [];
  /** The values the stores hold, key → JSON. */
  readonly values = new Map<string, string>();
  failNext = false;

  apply(update: StoreUpdate): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('disk full'));
    }
    if (update.changes === undefined) {
      this.values.clear();
      for (const r of update.all()) if (r.json !== undefined) this.values.set(`${r.kind}/${r.id}`, r.json);
    } else {
      for (const r of update.changes) {
        if (r.json === undefined) this.values.delete(`${r.kind}/${r.id}`);
        else this.values.set(`${r.kind}/${r.id}`, r.json);
      }
    }
    const keys = update.changes === undefined ? [...this.values.keys()] : update.changes.map((c) => `${c.kind}/${c.id}`);
    this.applied.push({ version: update.meta.version, whole: update.changes === undefined, keys: keys.sort() });
    return Promise.resolve();
  }

  persist(record: PersistRecord): Promise<void> {
    // As a real target: the whole content only when there is no delta (it costs O(size)).
    const content = record.delta === undefined ? record.contentJson() : undefined;
    this.persisted.push({ version: record.meta.version, delta: record.delta?.json, baseVersion: record.delta?.baseVersion, content });
    return Promise.resolve();
  }

  /** The stores' values as content, to compare with what was published. */
  content(): string[] {
    return [...this.values.entries()].map(([k, v]) => `${k}=${v}`).sort();
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

function storeValues(content: SnapshotContent): string[] {
  const state = ContentState.from(content);
  return (['routes', 'upstreams'] as const).flatMap((kind) => state.entries(kind).map((e) => `${kind}/${e.id}=${e.json}`)).sort();
}

function setup(maxSnapshotBytes = 1 << 20): { target: RecordingTarget; applier: SnapshotApplier } {
  const target = new RecordingTarget();
  let clock = 0;
  const applier = new SnapshotApplier(target, { maxSnapshotBytes, now: () => (clock += 2) });
  return { target, applier };
}

describe('SnapshotApplier', () => {
  it('applies a full state whole, then a delta as only the keys it changed, and persists the delta', async () => {
    const { target, applier } = setup();
    const first = await applier.full(meta('3', v1), v1, 0);
    expect(first).toMatchObject({ type: 'applied', meta: { version: '3', scope: 'ns-a', schema: '1.0' } });
    const second = await applier.delta(meta('5', v2, '3'), diffResources(v1, v2), 0);
    expect(second.type).toBe('applied');
    expect(target.applied).toEqual([
      { version: '3', whole: true, keys: ['routes/r1', 'upstreams/web'] },
      { version: '5', whole: false, keys: ['routes/r2', 'upstreams/api'] },
    ]);
    expect(target.content()).toEqual(storeValues(v2));
    expect(target.persisted.map((p) => [p.version, p.baseVersion])).toEqual([['3', undefined], ['5', '3']]);
    expect(parseJsonText(target.persisted[1]?.delta ?? '')).toEqual(diffResources(v1, v2));
    expect(parseJsonText(target.persisted[0]?.content ?? '')).toEqual(parseJsonText(ContentState.from(v1).toJson()));
    expect(applier.served?.hash).toBe(meta('5', v2).hash);
    expect(applier.chainVersion('ns-a')).toBe('5');
    expect(applier.chainVersion('ns-b')).toBeUndefined();
    expect(applier.lastError).toBeNull();
  });

  it('applies deltas given as text: canonical text as it stands, other text read the ordinary way', async () => {
    const { target, applier } = setup();
    await applier.full(meta('3', v1), ContentState.from(v1).toJson(), 0);
    const delta12 = diffResources(v1, v2);
    expect((await applier.delta(meta('5', v2, '3'), canonicalJson(delta12), 0)).type).toBe('applied');
    expect(target.content()).toEqual(storeValues(v2));
    // Keys of each resource in reverse order: not canonical, so the substrings hash wrong; read again, it applies.
    const reversed = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reversed) : typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)])) : value;
    const delta23 = diffResources(v2, v3);
    const text = `{"changes":{${Object.entries(delta23.changes)
      .map(([kind, c]) => `"${kind}":{"deleted":${JSON.stringify(c.deleted)},"upserted":${JSON.stringify(reversed(c.upserted))}}`)
      .join(',')}}}`;
    expect(JSON.stringify(reversed(delta23.changes.routes?.upserted))).not.toBe(canonicalJson(delta23.changes.routes?.upserted));
    expect((await applier.delta(meta('7', v3, '5'), text, 0)).type).toBe('applied');
    expect(target.content()).toEqual(storeValues(v3));
    expect(applier.served?.hash).toBe(meta('7', v3).hash);
    // Text that is not JSON: the chain is dropped and the full state asked for.
    expect((await applier.delta(meta('9', v1, '7'), '{"changes":', 0)).type).toBe('need-full');
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
    expect(applier.served?.version).toBe('3');
    // The full state read next applies.
    expect((await applier.full(meta('5', v2), v2, 0)).type).toBe('applied');
    expect(target.applied.map((a) => a.version)).toEqual(['3', '5']);
    expect(target.content()).toEqual(storeValues(v2));
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
    expect(target.applied.map((a) => a.version)).toEqual(['1']);
    expect(applier.served?.version).toBe('1');
    // The next good version applies and clears the error.
    expect((await applier.full(meta('6', v2), v2, 0)).type).toBe('applied');
    expect(applier.lastError).toBeNull();
    expect(target.content()).toEqual(storeValues(v2));
  });

  it('applies deltas onto a rejected version; the next good one takes everything changed since the last served', async () => {
    const { target, applier } = setup();
    await applier.full(meta('1', v1), v1, 0);
    // Version 2 adds a route to an upstream that is not there yet: rejected, the stores keep version 1.
    const dangling: SnapshotContent = { resources: mkResources({ upstreams: [mkUpstream('web')], routes: [mkRoute('r1'), mkRoute('r2', { upstream_id: 'api', uri: '/api/*' })] }), trustBundle: [] };
    expect(await applier.delta(meta('2', dangling, '1'), diffResources(v1, dangling), 0)).toMatchObject({ type: 'rejected', reason: 'invalid' });
    // The fix arrives as a delta onto the rejected version 2: the route of version 2 reaches the stores with it.
    expect((await applier.delta(meta('3', v2, '2'), diffResources(dangling, v2), 0)).type).toBe('applied');
    expect(target.applied).toEqual([
      { version: '1', whole: true, keys: ['routes/r1', 'upstreams/web'] },
      { version: '3', whole: false, keys: ['routes/r2', 'upstreams/api'] },
    ]);
    expect(target.content()).toEqual(storeValues(v2));
    // Persisted as one delta from the last served version (1) to 3.
    expect(target.persisted.at(-1)?.baseVersion).toBe('1');
    expect(parseJsonText(target.persisted.at(-1)?.delta ?? '')).toEqual(diffResources(v1, v2));
  });

  it('treats a delta that does not apply as corrupt, and a store failure as a rejection', async () => {
    const { target, applier } = setup();
    await applier.full(meta('1', v1), v1, 0);
    const broken = await applier.delta(meta('2', v2, '1'), { changes: { routes: { upserted: [], deleted: ['ghost'] } } }, 0);
    expect(broken).toMatchObject({ type: 'need-full' });
    target.failNext = true;
    expect(await applier.full(meta('2', v2), v2, 0)).toMatchObject({ type: 'rejected', reason: 'store-failed' });
    expect(applier.served?.version).toBe('1');
    // The stores failed mid-way: the next version hands them the whole state again.
    expect((await applier.delta(meta('4', v3, '2'), diffResources(v2, v3), 0)).type).toBe('applied');
    expect(target.applied.at(-1)).toMatchObject({ version: '4', whole: true });
    expect(target.content()).toEqual(storeValues(v3));
    expect(applier.refused('9', new Error('schema "2.0" refused'))).toMatchObject({ type: 'rejected', reason: 'refused' });
    expect(applier.lastError).toContain('2.0');
  });

  it('resumes from a restored state and measures the apply from receipt', async () => {
    const { target, applier } = setup();
    const restored: SnapshotMeta = { schema: '1.0', cluster: 'c1', scope: 'ns-a', version: '4', hash: meta('4', v1).hash };
    applier.restored(restored, ContentState.from(v1));
    expect(applier.chainVersion('ns-a')).toBe('4');
    const outcome = await applier.delta(meta('6', v2, '4'), diffResources(v1, v2), 0);
    expect(outcome).toMatchObject({ type: 'applied', durationMs: 2 });
    expect(target.applied).toEqual([{ version: '6', whole: false, keys: ['routes/r2', 'upstreams/api'] }]);
    // The same content under a newer version moves the version without touching the stores.
    expect(await applier.full(meta('8', v2), v2, 0)).toMatchObject({ type: 'applied' });
    expect(target.applied).toHaveLength(1);
    expect(applier.served?.version).toBe('8');
    expect(target.persisted.map((p) => p.version)).toEqual(['6', '8']);
  });

  it('holds an older checkpoint than the version served, and serves the deltas after it once they pass it', async () => {
    const { target, applier } = setup();
    await applier.full(meta('1', v1), v1, 0);
    await applier.delta(meta('5', v2, '1'), diffResources(v1, v2), 0);
    // A resync delivers the checkpoint at version 1 again, then the deltas after it.
    expect(await applier.full(meta('1', v1), v1, 0)).toMatchObject({ type: 'held', version: '1' });
    expect(applier.served?.version).toBe('5');
    expect(target.applied).toHaveLength(2);
    expect(await applier.delta(meta('5', v2, '1'), diffResources(v1, v2), 0)).toMatchObject({ type: 'held', version: '5' });
    expect((await applier.delta(meta('7', v3, '5'), diffResources(v2, v3), 0)).type).toBe('applied');
    // The chain was rebuilt: the stores take it whole (and only really changed keys change in them).
    expect(target.applied.at(-1)).toMatchObject({ version: '7', whole: true });
    expect(target.content()).toEqual(storeValues(v3));
  });

  it('hands the stores transformed values through its storeEntry hook; hash and validation see the published ones', async () => {
    const target = new RecordingTarget();
    const applier = new SnapshotApplier(target, {
      maxSnapshotBytes: 1 << 20,
      storeEntry: (kind, resource) => (kind === 'routes' ? { ...resource, hosts: ['local'] } : resource),
    });
    expect((await applier.full(meta('1', v1), v1, 0)).type).toBe('applied');
    expect((await applier.delta(meta('2', v2, '1'), diffResources(v1, v2), 0)).type).toBe('applied');
    expect(target.values.get('routes/r2')).toBe('{"hosts":["local"],"id":"r2","upstream_id":"api","uri":"/api/*"}');
    expect(target.values.get('upstreams/api')).toBe(ContentState.from(v2).get('upstreams', 'api')?.json);
  });

  it('serves its namespace’s client view: short names of other namespaces’ Services are not served, deltas included', async () => {
    const label = (ns: string) => ({ 'weft.dev/short-host-namespace': ns });
    const own = mkRoute('d.a.web.80', { hosts: ['web:80', 'web.a:80'], labels: label('a'), upstream_id: 'api' });
    const other = mkRoute('d.b.web.80', { hosts: ['web:80', 'web.b:80'], labels: label('b'), upstream_id: 'api' });
    const upstreams = [mkUpstream('api')];
    const first: SnapshotContent = { resources: mkResources({ routes: [own, other], upstreams }), trustBundle: [] };
    const target = new RecordingTarget();
    const applier = new SnapshotApplier(target, { maxSnapshotBytes: 1 << 20, storeEntry: clientViewOf('a') });
    expect((await applier.full(meta('1', first), first, 0)).type).toBe('applied');
    const hostsOf = (key: string) => (parseJsonText(target.values.get(key) ?? '{}') as { hosts?: string[] }).hosts;
    expect(hostsOf('routes/d.a.web.80')).toEqual(['web:80', 'web.a:80']);
    expect(hostsOf('routes/d.b.web.80')).toEqual(['web.b:80']);
    // A delta that adds a route of b's with short names only: not served at all in a.
    const onlyShort = mkRoute('x.b', { hosts: ['api', 'api:80'], labels: label('b'), upstream_id: 'api' });
    const second: SnapshotContent = { resources: mkResources({ routes: [own, other, onlyShort], upstreams }), trustBundle: [] };
    expect((await applier.delta(meta('2', second, '1'), diffResources(first, second), 0)).type).toBe('applied');
    expect(target.values.has('routes/x.b')).toBe(false);
    expect(hostsOf('routes/d.b.web.80')).toEqual(['web.b:80']);
  });

  it('costs O(change): one upstream changed among 20,000 resources is one key for the stores and far cheaper than a full', async () => {
    const upstreams = Array.from({ length: 10_000 }, (_, i) => mkUpstream(`u${i}`, { nodes: [{ host: `10.1.${i >> 8}.${i & 255}`, port: 80, weight: 1 }] }));
    const big: SnapshotContent = { resources: mkResources({ upstreams, routes: upstreams.map((u) => mkRoute(`r${u.id}`, { upstream_id: u.id })) }), trustBundle: [] };
    const changed: SnapshotContent = { ...big, resources: { ...big.resources, upstreams: big.resources.upstreams.map((u) => (u.id === 'u17' ? { ...u, retries: 3 } : u)) } };
    const target = new RecordingTarget();
    const applier = new SnapshotApplier(target, { maxSnapshotBytes: 64 << 20 });
    const [first, second] = [meta('1', big), meta('2', changed, '1')];
    const document = JSON.parse(JSON.stringify(big)) as unknown;
    let t = performance.now();
    expect((await applier.full(first, document, 0)).type).toBe('applied');
    const fullMs = performance.now() - t;
    const delta = JSON.parse(JSON.stringify(diffResources(big, changed))) as unknown;
    t = performance.now();
    expect((await applier.delta(second, delta, 0)).type).toBe('applied');
    const deltaMs = performance.now() - t;
    expect(target.applied.at(-1)).toEqual({ version: '2', whole: false, keys: ['upstreams/u17'] });
    expect(deltaMs).toBeLessThan(fullMs / 20);
  });
});
