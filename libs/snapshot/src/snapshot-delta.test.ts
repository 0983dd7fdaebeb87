import fc from 'fast-check';
import type { Snapshot } from '@weft/model';
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from './build.js';
import { countChanges } from './delta.js';
import { DeltaBaseMismatchError, HashMismatchError, UnsupportedSchemaError } from './errors.js';
import { parseJsonText } from './json-text.js';
import { applySnapshotDelta, diffSnapshots } from './snapshot-delta.js';
import { arbContentPair } from './testing/arbitraries.js';
import { mkRoute, mkUpstream } from './testing/builders.js';

const v1 = buildSnapshot({ cluster: 'c1', scope: 'default/web', version: 1n, resources: { upstreams: [mkUpstream('web')], routes: [mkRoute('web')] } });
const v2 = buildSnapshot({
  cluster: 'c1',
  scope: 'default/web',
  version: 2n,
  resources: { upstreams: [mkUpstream('web', { nodes: [{ host: '10.0.0.2', port: 8080, weight: 1 }] })], routes: [mkRoute('web')] },
});

describe('diffSnapshots / applySnapshotDelta', () => {
  it('carries both ends and only the change', () => {
    const delta = diffSnapshots(v1, v2);
    expect(delta).toMatchObject({
      schema: '1.0',
      cluster: 'c1',
      scope: 'default/web',
      fromVersion: '1',
      toVersion: '2',
      fromHash: v1.meta.hash,
      toHash: v2.meta.hash,
    });
    expect(countChanges(delta)).toBe(1);
    expect(applySnapshotDelta(v1, delta)).toEqual(v2);
  });

  it('gives an empty delta between equal contents', () => {
    const v3 = buildSnapshot({ cluster: 'c1', scope: 'default/web', version: 3n, resources: v2.resources });
    expect(countChanges(diffSnapshots(v2, v3))).toBe(0);
    expect(applySnapshotDelta(v2, diffSnapshots(v2, v3))).toEqual(v3);
  });

  it('refuses a delta cut from another base', () => {
    const delta = diffSnapshots(v1, v2);
    expect(() => applySnapshotDelta(v2, delta)).toThrow(DeltaBaseMismatchError);
    const sameHashOtherVersion = buildSnapshot({ cluster: 'c1', scope: 'default/web', version: 9n, resources: v1.resources });
    expect(() => applySnapshotDelta(sameHashOtherVersion, delta)).toThrow(DeltaBaseMismatchError);
    expect(() => applySnapshotDelta(v1, { ...delta, cluster: 'c2' })).toThrow(DeltaBaseMismatchError);
  });

  it('refuses a delta that does not move forward', () => {
    expect(() => applySnapshotDelta(v2, diffSnapshots(v2, v1))).toThrow(/not forward/);
  });

  it('refuses a result that does not hash to toHash, leaving the base as it was', () => {
    const delta = diffSnapshots(v1, v2);
    const corrupted = { ...delta, changes: { upstreams: { upserted: [mkUpstream('web', { retries: 1 })], deleted: [] } } };
    expect(() => applySnapshotDelta(v1, corrupted)).toThrow(HashMismatchError);
    expect(v1.resources.upstreams[0]).toEqual(mkUpstream('web'));
  });

  it('refuses an unknown major schema', () => {
    expect(() => applySnapshotDelta(v1, { ...diffSnapshots(v1, v2), schema: '2.0' })).toThrow(UnsupportedSchemaError);
  });

  it('property: a chain of deltas replays a chain of snapshots', () => {
    fc.assert(
      fc.property(arbContentPair(), arbContentPair(), (first, second) => {
        const chain: Snapshot[] = [first.a, first.b, second.a, second.b].map((c, i) =>
          buildSnapshot({ cluster: 'c1', scope: 's', version: BigInt(i + 10), resources: c.resources, trustBundle: c.trustBundle }),
        );
        let current = chain[0]!;
        for (const next of chain.slice(1)) {
          current = applySnapshotDelta(current, parseJsonText(JSON.stringify(diffSnapshots(current, next))) as ReturnType<typeof diffSnapshots>);
          expect(current.meta).toEqual(next.meta);
        }
      }),
      { numRuns: 40 },
    );
  });
});
