import fc from 'fast-check';
import type { ApisixResources } from '@weft/model';
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from './build.js';
import { canonicalJson } from './canonical.js';
import { contentHash, normalizeResources, normalizeTrustBundle } from './content.js';
import type { SnapshotContent } from './content.js';
import { applyDelta, countChanges, diffResources, isEmptyDelta } from './delta.js';
import { DeltaApplyError, DuplicateResourceIdError, UnknownKindError } from './errors.js';
import { parseJsonText } from './json-text.js';
import { arbContentPair, arbSnapshotContent } from './testing/arbitraries.js';
import { mkLargeResources, mkResources, mkRoute, mkUpstream, testCertificatePem } from './testing/builders.js';

const content = (resources: Partial<ApisixResources>, trustBundle: string[] = []): SnapshotContent => ({
  resources: mkResources(resources),
  trustBundle,
});

/** Canonical form of content: equal iff the config is equal. */
function canonicalContent(c: SnapshotContent): string {
  return canonicalJson({ resources: normalizeResources(c.resources), trustBundle: normalizeTrustBundle(c.trustBundle) });
}

describe('diffResources', () => {
  it('lists upserted resources and deleted ids per changed kind only', () => {
    const a = content({ upstreams: [mkUpstream('keep'), mkUpstream('change'), mkUpstream('drop')], routes: [mkRoute('r')] });
    const b = content({ upstreams: [mkUpstream('add'), mkUpstream('change', { retries: 2 }), mkUpstream('keep')], routes: [mkRoute('r')] });
    expect(diffResources(a, b)).toEqual({
      changes: {
        upstreams: { upserted: [mkUpstream('add'), mkUpstream('change', { retries: 2 })], deleted: ['drop'] },
      },
    });
  });

  it('sees no change where only key order or list order differ', () => {
    const upstream = mkUpstream('a', { retries: 1 });
    const reordered = Object.fromEntries(Object.entries(upstream).reverse()) as typeof upstream;
    const a = content({ upstreams: [upstream, mkUpstream('b')] }, [testCertificatePem('1'), testCertificatePem('2')]);
    const b = content({ upstreams: [mkUpstream('b'), reordered] }, [testCertificatePem('2'), testCertificatePem('1')]);
    const delta = diffResources(a, b);
    expect(delta).toEqual({ changes: {} });
    expect(isEmptyDelta(delta)).toBe(true);
  });

  it('carries the whole new trust bundle when it changed', () => {
    const delta = diffResources(content({}, [testCertificatePem('old')]), content({}, [testCertificatePem('new'), testCertificatePem('old')]));
    expect(delta).toEqual({ changes: {}, trustBundle: [testCertificatePem('new'), testCertificatePem('old')] });
    expect(countChanges(delta)).toBe(1);
  });

  it('stays small when one upstream of 5,000 changes', () => {
    const large = mkLargeResources(5_000);
    const changed = large.upstreams.map((u, i) => (i === 1234 ? { ...u, nodes: [...u.nodes, { host: '10.9.9.9', port: 8080, weight: 1 }] } : u));
    const delta = diffResources(content(large), content({ ...large, upstreams: changed }));
    expect(countChanges(delta)).toBe(1);
    expect(delta.changes.upstreams?.upserted.map((u) => u.id)).toEqual([changed[1234]!.id]);
    expect(JSON.stringify(delta).length).toBeLessThan(1_000);
  });
});

describe('applyDelta', () => {
  it('upserts, deletes, keeps untouched kinds as they are and sorts by id', () => {
    const base = content({ upstreams: [mkUpstream('a'), mkUpstream('c')], routes: [mkRoute('r')] }, [testCertificatePem()]);
    const result = applyDelta(base, {
      changes: { upstreams: { upserted: [mkUpstream('d'), mkUpstream('b'), mkUpstream('c', { retries: 3 })], deleted: ['a'] } },
    });
    expect(result.resources.upstreams).toEqual([mkUpstream('b'), mkUpstream('c', { retries: 3 }), mkUpstream('d')]);
    expect(result.resources.routes).toBe(base.resources.routes);
    expect(result.trustBundle).toBe(base.trustBundle);
  });

  it('refuses to delete what the base does not hold, or to delete and upsert one id', () => {
    const base = content({ upstreams: [mkUpstream('a')] });
    expect(() => applyDelta(base, { changes: { upstreams: { upserted: [], deleted: ['zz'] } } })).toThrow(DeltaApplyError);
    expect(() => applyDelta(base, { changes: { upstreams: { upserted: [mkUpstream('a')], deleted: ['a'] } } })).toThrow(DeltaApplyError);
    expect(() => applyDelta(base, { changes: { upstreams: { upserted: [], deleted: ['a', 'a'] } } })).toThrow(DeltaApplyError);
    expect(() => applyDelta(base, { changes: { upstreams: { upserted: [mkUpstream('b'), mkUpstream('b')], deleted: [] } } })).toThrow(
      DuplicateResourceIdError,
    );
    expect(() => applyDelta(base, { changes: { services: { upserted: [], deleted: [] } } as never })).toThrow(UnknownKindError);
  });

  it('property: applying diff(a, b) to a gives b, with the same hash', () => {
    fc.assert(
      fc.property(arbContentPair(), ({ a, b }) => {
        const delta = diffResources(a, b);
        const result = applyDelta(a, delta);
        expect(canonicalContent(result)).toBe(canonicalContent(b));
        expect(contentHash(result.resources, result.trustBundle)).toBe(contentHash(b.resources, b.trustBundle));
        // The delta survives the wire.
        const viaJson = applyDelta(a, parseJsonText(JSON.stringify(delta)) as typeof delta);
        expect(canonicalContent(viaJson)).toBe(canonicalContent(b));
      }),
      { numRuns: 150 },
    );
  });

  it('property: the delta names only what differs', () => {
    fc.assert(
      fc.property(arbContentPair(), ({ a, b }) => {
        const delta = diffResources(a, b);
        const from = normalizeResources(a.resources);
        const to = normalizeResources(b.resources);
        for (const [kind, changes] of Object.entries(delta.changes)) {
          const before = new Map(from[kind as keyof ApisixResources].map((r) => [r.id, canonicalJson(r)]));
          const after = new Set(to[kind as keyof ApisixResources].map((r) => r.id));
          for (const resource of changes.upserted) expect(before.get(resource.id)).not.toBe(canonicalJson(resource));
          for (const id of changes.deleted) expect(after.has(id)).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('property: the diff of equal inputs is empty', () => {
    fc.assert(
      fc.property(arbSnapshotContent(), (c) => {
        expect(diffResources(c, c)).toEqual({ changes: {} });
        // Equal config in fresh objects, in another order.
        const copy = parseJsonText(JSON.stringify(c)) as SnapshotContent;
        const shuffled: SnapshotContent = {
          resources: Object.fromEntries(Object.entries(copy.resources).map(([k, list]) => [k, [...list].reverse()])) as unknown as ApisixResources,
          trustBundle: [...copy.trustBundle].reverse(),
        };
        expect(diffResources(c, shuffled)).toEqual({ changes: {} });
        // And between built snapshots.
        const meta = { cluster: 'c', scope: 's', version: 1n };
        expect(isEmptyDelta(diffResources(buildSnapshot({ ...meta, ...c }), buildSnapshot({ ...meta, ...shuffled })))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
