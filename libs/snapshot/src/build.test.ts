import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { SNAPSHOT_SCHEMA } from '@weft/model';
import type { ApisixResources } from '@weft/model';
import { describe, expect, it } from 'vitest';
import { buildSnapshot, isSchemaSupported, restoreSnapshot, snapshotByteSize } from './build.js';
import { canonicalJson } from './canonical.js';
import { contentByteLength, contentHash } from './content.js';
import {
  DuplicateResourceIdError,
  HashMismatchError,
  InvalidVersionError,
  MalformedResourcesError,
  UnknownKindError,
  UnsupportedSchemaError,
} from './errors.js';
import { parseJsonText } from './json-text.js';
import { arbSnapshotContent } from './testing/arbitraries.js';
import { mkResources, mkRoute, mkUpstream, testCertificatePem } from './testing/builders.js';

const base = { cluster: 'c1', scope: 'default/web', version: 7n };

describe('contentHash', () => {
  it('is format 2: sha256 over the trust digest and 256 bucket digests of the resources\' canonical encodings', () => {
    const resources = mkResources({ upstreams: [mkUpstream('web')], routes: [mkRoute('web')] });
    const bundle = [testCertificatePem('root')];
    // The definition, written out independently of content-hash.ts.
    const sha = (text: string | Buffer): Buffer => createHash('sha256').update(text).digest();
    const fnvBucket = (key: string): number => {
      let h = 0x811c9dc5;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
      return ((h >>> 24) ^ (h >>> 16) ^ (h >>> 8) ^ h) & 255;
    };
    const buckets: string[] = Array.from({ length: 256 }, () => '');
    for (const [kind, resource] of [['routes', resources.routes[0]], ['upstreams', resources.upstreams[0]]] as const) {
      const b = fnvBucket(`${kind}/web`);
      buckets[b] = `${buckets[b] ?? ''}${kind} "web" ${canonicalJson(resource)}\n`;
    }
    const expected = createHash('sha256')
      .update('weft-content-hash/2\n')
      .update(sha(canonicalJson(bundle)))
      .update(Buffer.concat(buckets.map((lines) => sha(lines))))
      .digest('hex');
    expect(contentHash(resources, bundle)).toBe(expected);
    expect(contentByteLength({ resources, trustBundle: bundle })).toBe(Buffer.byteLength(canonicalJson({ resources, trustBundle: bundle })));
  });

  it('ignores list order of resources and of the trust bundle, and key order inside resources', () => {
    const a = mkUpstream('a');
    const b = mkUpstream('b', { nodes: [{ weight: 2, port: 80, host: 'b.local' }] });
    const bReordered = { nodes: [{ host: 'b.local', port: 80, weight: 2 }], scheme: 'http' as const, type: 'roundrobin' as const, id: 'b' };
    const r1 = testCertificatePem('r1');
    const r2 = testCertificatePem('r2');
    expect(contentHash({ upstreams: [a, b] }, [r1, r2])).toBe(contentHash({ upstreams: [bReordered, a] }, [r2, r1, r2]));
  });

  it('changes with any field of any resource', () => {
    const before = contentHash({ upstreams: [mkUpstream('a')] }, []);
    expect(contentHash({ upstreams: [mkUpstream('a', { retries: 1 })] }, [])).not.toBe(before);
    expect(contentHash({ upstreams: [mkUpstream('a')] }, [testCertificatePem()])).not.toBe(before);
    // The same resource under another kind is other config.
    expect(contentHash({ routes: [mkRoute('a')] }, [])).not.toBe(contentHash({ stream_routes: [mkRoute('a') as never] }, []));
  });

  it('treats a missing kind as an empty one', () => {
    expect(contentHash({}, [])).toBe(contentHash(mkResources(), []));
  });

  it('refuses unknown kinds and duplicate ids', () => {
    expect(() => contentHash({ consumers: [] } as unknown as ApisixResources, [])).toThrow(UnknownKindError);
    expect(() => contentHash({ upstreams: [mkUpstream('a'), mkUpstream('a', { retries: 2 })] }, [])).toThrow(DuplicateResourceIdError);
  });
});

describe('buildSnapshot', () => {
  it('sorts each kind by id, stamps schema and meta, and hashes the content', () => {
    const snapshot = buildSnapshot({
      ...base,
      resources: { upstreams: [mkUpstream('b'), mkUpstream('a')], routes: [mkRoute('r', { upstream_id: 'a' })] },
      trustBundle: [testCertificatePem('z'), testCertificatePem('a')],
    });
    expect(snapshot.resources.upstreams.map((u) => u.id)).toEqual(['a', 'b']);
    expect(snapshot.resources.ssls).toEqual([]);
    expect(snapshot.trustBundle).toEqual([testCertificatePem('a'), testCertificatePem('z')]);
    expect(snapshot.meta).toEqual({
      schema: SNAPSHOT_SCHEMA,
      cluster: 'c1',
      scope: 'default/web',
      version: '7',
      hash: contentHash(snapshot.resources, snapshot.trustBundle),
    });
    expect(snapshotByteSize(snapshot)).toBe(contentByteLength(snapshot));
  });

  it('deep-freezes the snapshot and does not freeze or keep the caller objects', () => {
    const upstream = { ...mkUpstream('a'), nodes: [{ host: 'x', port: 1, weight: 1 }] };
    const snapshot = buildSnapshot({ ...base, resources: { upstreams: [upstream] } });
    expect(Object.isFrozen(upstream)).toBe(false);
    upstream.nodes[0]!.port = 2;
    expect(snapshot.resources.upstreams[0]!.nodes[0]!.port).toBe(1);
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(Object.isFrozen(snapshot.meta)).toBe(true);
    expect(Object.isFrozen(snapshot.resources.upstreams)).toBe(true);
    expect(Object.isFrozen(snapshot.resources.upstreams[0]!.nodes[0])).toBe(true);
    expect(() => {
      (snapshot.resources.upstreams as unknown[]).push(mkUpstream('b'));
    }).toThrow(TypeError);
  });

  it('drops undefined fields, so they do not change the hash', () => {
    const withUndefined = buildSnapshot({ ...base, resources: { upstreams: [{ ...mkUpstream('a'), retries: undefined }] } });
    const without = buildSnapshot({ ...base, resources: { upstreams: [mkUpstream('a')] } });
    expect(withUndefined.meta.hash).toBe(without.meta.hash);
    expect('retries' in withUndefined.resources.upstreams[0]!).toBe(false);
  });

  it('reuses the frozen resources of an earlier snapshot instead of copying them', () => {
    const first = buildSnapshot({ ...base, resources: { upstreams: [mkUpstream('a'), mkUpstream('b')] } });
    const second = buildSnapshot({ ...base, version: 8n, resources: { upstreams: [...first.resources.upstreams, mkUpstream('c')] } });
    expect(second.resources.upstreams[0]).toBe(first.resources.upstreams[0]);
    const rebuilt = buildSnapshot({ ...base, resources: first.resources, trustBundle: first.trustBundle });
    expect(rebuilt.resources.upstreams).toBe(first.resources.upstreams);
  });

  it.each([
    ['a bigint', 18446744073709551615n, '18446744073709551615'],
    ['a decimal string', '42', '42'],
    ['zero', 0n, '0'],
  ])('takes the version as %s', (_what, version, stored) => {
    expect(buildSnapshot({ ...base, version, resources: {} }).meta.version).toBe(stored);
  });

  it.each([-1n, 18446744073709551616n, '-1', '1.5', '01', '', ' 1', '0x10', 1 as unknown as string])(
    'refuses version %s',
    (version) => {
      expect(() => buildSnapshot({ ...base, version, resources: {} })).toThrow(InvalidVersionError);
    },
  );

  it('refuses unknown kinds, duplicate ids and malformed input with typed errors', () => {
    expect(() => buildSnapshot({ ...base, resources: { services: [] } as unknown as ApisixResources })).toThrow(UnknownKindError);
    expect(() => buildSnapshot({ ...base, resources: { routes: [mkRoute('x'), mkRoute('x')] } })).toThrow(
      new DuplicateResourceIdError('routes', 'x'),
    );
    expect(() => buildSnapshot({ ...base, resources: { routes: {} as never } })).toThrow(MalformedResourcesError);
    expect(() => buildSnapshot({ ...base, resources: { routes: [{ uri: '/' } as never] } })).toThrow(/routes\[0\]\.id/);
    expect(() => buildSnapshot({ ...base, resources: { routes: [{ id: 'a', bad: Number.NaN } as never] } })).toThrow(/NaN/);
    expect(() => buildSnapshot({ ...base, cluster: '', resources: {} })).toThrow(MalformedResourcesError);
  });

  it('property: is idempotent (rebuilding from its own parts gives an equal snapshot)', () => {
    fc.assert(
      fc.property(arbSnapshotContent(), ({ resources, trustBundle }) => {
        const snapshot = buildSnapshot({ ...base, resources, trustBundle });
        const again = buildSnapshot({ ...base, version: snapshot.meta.version, resources: snapshot.resources, trustBundle: snapshot.trustBundle });
        expect(again).toEqual(snapshot);
        expect(again.meta.hash).toBe(contentHash(resources, trustBundle));
        // Through JSON (the wire and the disk) it comes back the same.
        expect(restoreSnapshot(parseJsonText(JSON.stringify(snapshot)))).toEqual(snapshot);
      }),
      { numRuns: 60 },
    );
  });
  // Regression (fast-check seed -191400573, path "1"): a plugin config holding `{"": …, "\"": …}`, built after an
  // earlier JSON.parse had met `{"": …, "\\": …}`. The canonical copy was made with JSON.parse, which on V8
  // (nodejs/node#63785) then reads the `"` key back as `\`: the snapshot held other data than its hash covered.
  // The ' weft-63785' key makes the map transitions involved new to this process, whatever ran before.
  it('holds exactly the data its hash covers when V8 JSON.parse would misread an escaped key', () => {
    JSON.parse('{"":0," weft-63785":0,"\\\\":0}');
    // Written in reverse, so the transition to `"` that the canonical (sorted) order needs does not exist yet.
    const cors = { '"': 0, ' weft-63785': 1, '': 2 };
    const resources = { global_rules: [{ id: 'g', plugins: { cors } }] };
    const snapshot = buildSnapshot({ ...base, resources });
    expect(Object.keys(snapshot.resources.global_rules[0]!.plugins['cors']!)).toEqual(['', ' weft-63785', '"']);
    expect(snapshot.meta.hash).toBe(contentHash(resources, []));
    expect(snapshot.meta.hash).toBe(contentHash(snapshot.resources, snapshot.trustBundle));
    expect(restoreSnapshot(parseJsonText(JSON.stringify(snapshot)))).toEqual(snapshot);
  });
});

describe('restoreSnapshot', () => {
  const snapshot = buildSnapshot({ ...base, resources: { upstreams: [mkUpstream('a')] } });
  const wire = parseJsonText(JSON.stringify(snapshot)) as { meta: Record<string, string>; resources: Record<string, unknown[]> };

  it('gives back the snapshot that was serialized', () => {
    expect(restoreSnapshot(wire)).toEqual(snapshot);
  });

  it('refuses content that does not match its hash', () => {
    const tampered = { ...wire, resources: { upstreams: [mkUpstream('a', { retries: 9 })] } };
    expect(() => restoreSnapshot(tampered)).toThrow(HashMismatchError);
  });

  it('refuses a major schema it does not know, accepts a newer minor', () => {
    expect(() => restoreSnapshot({ ...wire, meta: { ...wire.meta, schema: '2.0' } })).toThrow(UnsupportedSchemaError);
    expect(restoreSnapshot({ ...wire, meta: { ...wire.meta, schema: '1.7' } }).meta.hash).toBe(snapshot.meta.hash);
    expect(isSchemaSupported('1')).toBe(false);
  });

  it('refuses what is not a snapshot', () => {
    expect(() => restoreSnapshot(null)).toThrow(MalformedResourcesError);
    expect(() => restoreSnapshot({ resources: {} })).toThrow(MalformedResourcesError);
  });
});
