import fc from 'fast-check';
import { APISIX_KINDS } from '@weft/model';
import type { ApisixResources } from '@weft/model';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.js';
import { contentByteLength, contentHash, normalizeResources, normalizeTrustBundle } from './content.js';
import type { SnapshotContent } from './content.js';
import { ContentState } from './content-state.js';
import { diffResources } from './delta.js';
import { deltaJson } from './delta-json.js';
import { DeltaApplyError, MalformedResourcesError, UnknownKindError } from './errors.js';
import { checkConsistency } from './consistency.js';
import type { SnapshotProblem } from './problems.js';
import { arbContentPair, arbSnapshotContent } from './testing/arbitraries.js';
import type { GeneratedContent } from './testing/arbitraries.js';
import { mkClientSsl, mkPluginConfig, mkResources, mkRoute, mkSsl, mkUpstream, testCertificatePem } from './testing/builders.js';
import { validateResources, validateTrustBundle } from './validate/index.js';

// Generating contents with certificates is slow on a busy machine; the runs, not the clock, bound these tests.
const PROPERTY_TIMEOUT_MS = 120_000;

/** The verdict of the whole-snapshot checks (what validateSnapshot runs), as a sorted list to compare as a set. */
function fullProblems(content: SnapshotContent, maxBytes?: number): string[] {
  const resources = normalizeResources(content.resources);
  const problems: SnapshotProblem[] = [...validateResources(resources), ...checkConsistency(resources), ...validateTrustBundle(normalizeTrustBundle(content.trustBundle))];
  if (maxBytes !== undefined && contentByteLength(content) > maxBytes) problems.push({ code: 'too_large', path: '', message: 'too large' });
  return problems.map((p) => `${p.code} ${p.path} ${p.code === 'too_large' ? '' : p.message}`).sort();
}

function stateProblems(state: ContentState, maxBytes?: number): string[] {
  return state.problems(maxBytes === undefined ? {} : { maxBytes }).map((p) => `${p.code} ${p.path} ${p.code === 'too_large' ? '' : p.message}`).sort();
}

/**
 * A content with some damage mixed in, so that verdicts are not always "valid": resources with a field APISIX does
 * not allow, and upstreams or plugin_configs dropped while routes still point at them.
 */
const arbDamaged = (content: fc.Arbitrary<GeneratedContent>): fc.Arbitrary<GeneratedContent> =>
  fc.tuple(content, fc.infiniteStream(fc.nat({ max: 9 }))).map(([c, dice]) => {
    const roll = (): number => dice.next().value as number;
    const resources = Object.fromEntries(
      APISIX_KINDS.map((kind) => {
        const list = c.resources[kind] as readonly { readonly id: string }[];
        const kept = (kind === 'upstreams' || kind === 'plugin_configs' || kind === 'ssls') ? list.filter(() => roll() !== 0) : list;
        return [kind, kept.map((r) => (roll() === 0 ? { ...r, bogus_field: true } : r))];
      }),
    ) as unknown as ApisixResources;
    return { resources, trustBundle: c.trustBundle };
  });

const arbPair = fc
  .tuple(arbContentPair({ maxPerKind: 6, maxIdLength: 3 }), fc.boolean(), fc.boolean())
  .chain(([pair, damageA, damageB]) =>
    fc.record({
      a: damageA ? arbDamaged(fc.constant(pair.a)) : fc.constant(pair.a),
      b: damageB ? arbDamaged(fc.constant(pair.b)) : fc.constant(pair.b),
    }),
  );

describe('ContentState', () => {
  it('hash - built from scratch it is contentHash, and its size the canonical encoding size', () => {
    fc.assert(
      fc.property(arbSnapshotContent({ maxPerKind: 8 }), (content) => {
        const state = ContentState.from(content);
        expect(state.hash).toBe(contentHash(content.resources, content.trustBundle));
        expect(state.byteSize).toBe(contentByteLength(content));
        expect(state.toJson()).toBe(canonicalJson({ resources: normalizeResources(content.resources), trustBundle: normalizeTrustBundle(content.trustBundle) }));
      }),
      { numRuns: 100 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('hash - kept up to date by random deltas, it equals the hash computed from scratch (incremental == full)', () => {
    fc.assert(
      fc.property(arbPair, ({ a, b }) => {
        const state = ContentState.from(a);
        expect(state.hash).toHaveLength(64);
        state.update(diffResources(a, b));
        expect(state.hash).toBe(contentHash(b.resources, b.trustBundle));
        expect(state.byteSize).toBe(contentByteLength(b));
        expect(state.toJson()).toBe(ContentState.from(b).toJson());
      }),
      { numRuns: 120 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('hash - a chain of deltas through several contents ends at the hash of the last one', () => {
    fc.assert(
      fc.property(fc.array(arbSnapshotContent({ maxPerKind: 5, maxIdLength: 2 }), { minLength: 2, maxLength: 5 }), (contents) => {
        const state = ContentState.from(contents[0] as GeneratedContent);
        for (let i = 1; i < contents.length; i++) {
          state.update(diffResources(contents[i - 1] as GeneratedContent, contents[i] as GeneratedContent));
          if (i % 2 === 0) expect(state.hash).toBe(contentHash((contents[i] as GeneratedContent).resources, (contents[i] as GeneratedContent).trustBundle));
        }
        const last = contents.at(-1) as GeneratedContent;
        expect(state.hash).toBe(contentHash(last.resources, last.trustBundle));
      }),
      { numRuns: 60 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('validation - the verdict and problems after a delta are those of validating the result in full', () => {
    fc.assert(
      fc.property(arbPair, fc.option(fc.integer({ min: 100, max: 20_000 }), { nil: undefined }), ({ a, b }, maxBytes) => {
        const state = ContentState.from(a);
        expect(stateProblems(state, maxBytes)).toEqual(fullProblems(a, maxBytes));
        state.update(diffResources(a, b));
        const full = fullProblems(b, maxBytes);
        expect(state.valid(maxBytes === undefined ? {} : { maxBytes })).toBe(full.length === 0);
        expect(stateProblems(state, maxBytes)).toEqual(full);
      }),
      { numRuns: 120 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('undo - puts hash, size, problems and content back as they were', () => {
    fc.assert(
      fc.property(arbPair, ({ a, b }) => {
        const state = ContentState.from(a);
        const before = { hash: state.hash, json: state.toJson(), problems: stateProblems(state), bytes: state.byteSize };
        state.update(diffResources(a, b)).undo();
        expect({ hash: state.hash, json: state.toJson(), problems: stateProblems(state), bytes: state.byteSize }).toEqual(before);
      }),
      { numRuns: 100 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('deltaJson - is the canonical JSON of diffResources, built from the held encodings', () => {
    fc.assert(
      fc.property(arbPair, ({ a, b }) => {
        const state = ContentState.from(a);
        const update = state.update(diffResources(a, b));
        expect(deltaJson(update)).toBe(canonicalJson(diffResources(a, b)));
      }),
      { numRuns: 100 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('validation - a removed upstream that a route still uses is a dangling reference; putting it back clears it', () => {
    const state = ContentState.from({ resources: mkResources({ upstreams: [mkUpstream('web'), mkUpstream('api')], routes: [mkRoute('r', { upstream_id: 'web' })] }), trustBundle: [] });
    expect(state.valid()).toBe(true);
    const removal = state.update({ changes: { upstreams: { upserted: [], deleted: ['web'] } } });
    expect(state.valid()).toBe(false);
    expect(state.problems()).toEqual([
      { code: 'dangling_reference', kind: 'routes', id: 'r', path: 'routes[r].upstream_id', message: 'upstream "web" is not in this snapshot' },
    ]);
    removal.undo();
    expect(state.valid()).toBe(true);
    // Moving the route to the other upstream in the same delta as the removal is fine.
    state.update({ changes: { upstreams: { upserted: [], deleted: ['web'] }, routes: { upserted: [mkRoute('r', { upstream_id: 'api' })], deleted: [] } } });
    expect(state.valid()).toBe(true);
  });

  it('validation - an ssl that turns from client to server while an upstream uses it is the wrong kind', () => {
    const state = ContentState.from({ resources: mkResources({ ssls: [mkClientSsl('c')], upstreams: [mkUpstream('u', { tls: { client_cert_id: 'c' } })] }), trustBundle: [] });
    expect(state.valid()).toBe(true);
    state.update({ changes: { ssls: { upserted: [mkSsl('c')], deleted: [] } } });
    expect(state.problems().map((p) => p.code)).toEqual(['wrong_reference_kind']);
    state.update({ changes: { ssls: { upserted: [mkClientSsl('c')], deleted: [] } } });
    expect(state.valid()).toBe(true);
  });

  it('validation - schema problems of a changed resource come and go with it; plugin_config references are counted', () => {
    const state = ContentState.from({ resources: mkResources({ upstreams: [mkUpstream('u')], plugin_configs: [mkPluginConfig('p')], routes: [mkRoute('r', { upstream_id: 'u', plugin_config_id: 'p' })] }), trustBundle: [testCertificatePem('root')] });
    state.update({ changes: { upstreams: { upserted: [mkUpstream('u', { retries: -1 })], deleted: [] }, plugin_configs: { upserted: [], deleted: ['p'] } } });
    expect(state.problems().map((p) => `${p.code} ${p.path}`)).toEqual(['invalid_value upstreams[u].retries', 'dangling_reference routes[r].plugin_config_id']);
    state.update({ changes: { upstreams: { upserted: [mkUpstream('u')], deleted: [] }, routes: { upserted: [mkRoute('r', { upstream_id: 'u' })], deleted: [] } } });
    expect(state.valid()).toBe(true);
    state.update({ changes: {}, trustBundle: ['not a pem'] });
    expect(state.valid()).toBe(false);
  });

  it('fromJson - canonical text (strings holding braces, quotes, escapes) and any other JSON give the same state', () => {
    fc.assert(
      fc.property(arbSnapshotContent({ maxPerKind: 6 }), (content) => {
        const hash = contentHash(content.resources, content.trustBundle);
        const canonical = canonicalJson({ resources: normalizeResources(content.resources), trustBundle: normalizeTrustBundle(content.trustBundle) });
        const fromCanonical = ContentState.fromJson(canonical, hash);
        expect(fromCanonical.hash).toBe(hash);
        expect(fromCanonical.toJson()).toBe(canonical);
        // Key order as the writer had it, kinds unsorted: read the ordinary way, same state.
        const plain = JSON.stringify({ trustBundle: content.trustBundle, resources: content.resources });
        expect(ContentState.fromJson(plain, hash).toJson()).toBe(canonical);
        // A hash that does not match either way: the caller sees the content's own hash.
        expect(ContentState.fromJson(canonical, 'f'.repeat(64)).hash).toBe(hash);
      }),
      { numRuns: 100 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('updateFromJson - canonical delta text and any other JSON of it give the state update gives', () => {
    fc.assert(
      fc.property(arbPair, ({ a, b }) => {
        const delta = diffResources(a, b);
        const expected = ContentState.from(b).toJson();
        const fromCanonical = ContentState.from(a);
        const update = fromCanonical.updateFromJson(canonicalJson(delta));
        expect(fromCanonical.hash).toBe(contentHash(b.resources, b.trustBundle));
        expect(fromCanonical.toJson()).toBe(expected);
        expect(deltaJson(update)).toBe(canonicalJson(delta));
        // Kinds and keys in another order: read the ordinary way, same state.
        const plain = JSON.stringify({ trustBundle: delta.trustBundle, changes: Object.fromEntries(Object.entries(delta.changes).reverse()) });
        const fromPlain = ContentState.from(a);
        fromPlain.updateFromJson(plain);
        expect(fromPlain.toJson()).toBe(expected);
        // Undo puts it back.
        update.undo();
        expect(fromCanonical.toJson()).toBe(ContentState.from(a).toJson());
      }),
      { numRuns: 100 },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('updateFromJson - takes resource text as it stands, and throws what update throws for a bad delta', () => {
    const state = ContentState.from({ resources: mkResources({ upstreams: [mkUpstream('u')] }), trustBundle: [] });
    const hash = state.hash;
    // Not canonical inside a resource (keys unsorted): taken as it stands, so the hash differs from the published one.
    const upstream = canonicalJson(mkUpstream('v', { retries: 1 }));
    const unsorted = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(upstream) as object).reverse()));
    const update = state.updateFromJson(`{"changes":{"upstreams":{"deleted":[],"upserted":[${unsorted}]}}}`);
    expect(state.get('upstreams', 'v')?.json).toBe(unsorted);
    update.undo();
    expect(state.hash).toBe(hash);
    expect(() => state.updateFromJson('{"changes":{"upstreams":{"deleted":["missing"],"upserted":[]}}}')).toThrow(DeltaApplyError);
    expect(() => state.updateFromJson(`{"changes":{"upstreams":{"deleted":["u"],"upserted":[${canonicalJson(mkUpstream('u'))}]}}}`)).toThrow(DeltaApplyError);
    expect(() => state.updateFromJson('{"changes":{"consumers":{"deleted":[],"upserted":[]}}}')).toThrow(UnknownKindError);
    expect(() => state.updateFromJson('{"changes":{"upstreams":{"deleted":[],"upserted":[')).toThrow(/JSON text/);
    expect(() => state.updateFromJson('{"changes":{"upstreams":{"deleted":[],"upserted":["x"]}}}')).toThrow(MalformedResourcesError);
    expect(state.hash).toBe(hash);
    expect(state.size).toBe(1);
  });

  it('fromJson - refuses text that is not content', () => {
    expect(() => ContentState.fromJson('{"resources":{"routes":[', 'x')).toThrow(/JSON text/);
    expect(() => ContentState.fromJson('[]', 'x')).toThrow(MalformedResourcesError);
    expect(() => ContentState.fromJson('{"resources":{"routes":"no"},"trustBundle":[]}', 'x')).toThrow(MalformedResourcesError);
    expect(() => ContentState.fromJson('{"resources":{"nope":[]},"trustBundle":[]}', 'x')).toThrow(UnknownKindError);
  });

  it('update - an upsert with the same encoding changes nothing; key order does not matter', () => {
    const upstream = mkUpstream('u', { retries: 1 });
    const state = ContentState.from({ resources: mkResources({ upstreams: [upstream] }), trustBundle: [] });
    const reordered = Object.fromEntries(Object.entries(upstream).reverse()) as typeof upstream;
    const update = state.update({ changes: { upstreams: { upserted: [reordered], deleted: [] } } });
    expect(update.changes).toEqual([]);
    expect(deltaJson(update)).toBe('{"changes":{}}');
  });

  it('update - a bad delta throws and leaves the state untouched', () => {
    const state = ContentState.from({ resources: mkResources({ upstreams: [mkUpstream('u')] }), trustBundle: [] });
    const hash = state.hash;
    expect(() => state.update({ changes: { upstreams: { upserted: [mkUpstream('v')], deleted: ['missing'] } } })).toThrow(DeltaApplyError);
    expect(() => state.update({ changes: { upstreams: { upserted: [mkUpstream('u')], deleted: ['u'] } } })).toThrow(DeltaApplyError);
    expect(() => state.update({ changes: { upstreams: { upserted: [], deleted: ['u', 'u'] } } })).toThrow(DeltaApplyError);
    expect(() => state.update({ changes: { consumers: { upserted: [], deleted: [] } } } as never)).toThrow(UnknownKindError);
    expect(() => state.update({ changes: { upstreams: { upserted: 'no' } } } as never)).toThrow(MalformedResourcesError);
    expect(() => state.update({ changes: { upstreams: { upserted: [{ id: 'x', n: Number.NaN }], deleted: [] } } } as never)).toThrow(/no JSON form/);
    expect(() => state.update(null as never)).toThrow(MalformedResourcesError);
    expect(state.hash).toBe(hash);
    expect(state.size).toBe(1);
  });

  it('hash - one change among 20,000 resources is cheap: far less work than hashing from scratch', () => {
    const upstreams = Array.from({ length: 10_000 }, (_, i) => mkUpstream(`u${i}`, { nodes: [{ host: `10.0.${i >> 8}.${i & 255}`, port: 80, weight: 1 }] }));
    const routes = upstreams.map((u) => mkRoute(`r${u.id}`, { upstream_id: u.id }));
    const content = { resources: mkResources({ upstreams, routes }), trustBundle: [] };
    const state = ContentState.from(content);
    expect(state.hash).toHaveLength(64);
    let t = performance.now();
    for (let i = 0; i < 50; i++) {
      state.update({ changes: { upstreams: { upserted: [mkUpstream('u17', { retries: i })], deleted: [] } } });
      expect(state.hash).toHaveLength(64);
    }
    const perUpdateMs = (performance.now() - t) / 50;
    t = performance.now();
    contentHash(content.resources, content.trustBundle);
    const fullMs = performance.now() - t;
    expect(state.valid()).toBe(true);
    expect(perUpdateMs).toBeLessThan(fullMs / 20);
  });
});
