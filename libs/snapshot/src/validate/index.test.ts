import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSnapshot, snapshotByteSize } from '../build.js';
import { SnapshotValidationError } from '../errors.js';
import { arbSnapshotContent } from '../testing/arbitraries.js';
import { mkRoute, mkUpstream, testCertificatePem } from '../testing/builders.js';
import { assertValidSnapshot, validateSnapshot } from './index.js';

const meta = { cluster: 'c1', scope: 'default/web', version: 1n };

describe('validateSnapshot', () => {
  it('finds nothing wrong in a valid snapshot', () => {
    const snapshot = buildSnapshot({
      ...meta,
      resources: { upstreams: [mkUpstream('web')], routes: [mkRoute('web')] },
      trustBundle: [testCertificatePem('root')],
    });
    expect(validateSnapshot(snapshot)).toEqual([]);
    expect(() => {
      assertValidSnapshot(snapshot, { maxBytes: snapshotByteSize(snapshot) });
    }).not.toThrow();
  });

  it('reports schema problems, dangling references and a bad trust bundle together', () => {
    const snapshot = buildSnapshot({
      ...meta,
      resources: { upstreams: [mkUpstream('web', { nodes: [{ host: 'a', port: 0, weight: 1 }] })], routes: [mkRoute('r', { upstream_id: 'gone' })] },
      trustBundle: ['not a certificate'],
    });
    expect(validateSnapshot(snapshot).map((p) => [p.code, p.path])).toEqual([
      ['invalid_value', 'upstreams[web].nodes[0].port'],
      ['dangling_reference', 'routes[r].upstream_id'],
      ['invalid_value', 'trustBundle[0]'],
    ]);
  });

  it('reports a snapshot larger than maxBytes', () => {
    const snapshot = buildSnapshot({ ...meta, resources: { upstreams: [mkUpstream('web')], routes: [mkRoute('web')] } });
    const size = snapshotByteSize(snapshot);
    expect(validateSnapshot(snapshot, { maxBytes: size })).toEqual([]);
    expect(validateSnapshot(snapshot, { maxBytes: size - 1 })).toMatchObject([{ code: 'too_large', path: '' }]);
  });

  it('throws every problem at once from assertValidSnapshot', () => {
    const snapshot = buildSnapshot({ ...meta, resources: { routes: [mkRoute('r', { uri: undefined })] } });
    try {
      assertValidSnapshot(snapshot);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SnapshotValidationError);
      const problems = (error as SnapshotValidationError).problems;
      expect(problems.map((p) => p.code)).toEqual(['missing_field', 'dangling_reference']);
      expect((error as Error).message).toContain('routes[r].uri');
    }
  });

  it('property: the testing arbitraries only make valid, consistent snapshots', () => {
    fc.assert(
      fc.property(arbSnapshotContent(), ({ resources, trustBundle }) => {
        expect(validateSnapshot(buildSnapshot({ ...meta, resources, trustBundle }))).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });
});
