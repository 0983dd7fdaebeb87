import { describe, expect, it } from 'vitest';
import type { ApisixResources } from '@weft/model';
import { canonicalJson, contentHash, diffResources, parseJsonText } from '@weft/snapshot';
import { mkResources, mkRoute, mkUpstream, testCertificatePem } from '@weft/snapshot/testing';
import { changedResources, PublishedScopes } from './published-scopes.js';

const web = mkUpstream('web');
const api = mkUpstream('api');
const r1 = mkRoute('r1', { upstream_id: 'web' });
const v1: ApisixResources = mkResources({ upstreams: [api, web], routes: [r1] });

describe('PublishedScopes', () => {
  it('publishes a scope whole first, then each change as a delta from the last published version', () => {
    const scopes = new PublishedScopes();
    const first = scopes.prepare('s', v1, []);
    expect(first).toMatchObject({ hash: contentHash(v1, []), problems: [], delta: undefined });
    expect(parseJsonText(first?.full.json?.() ?? '')).toEqual(parseJsonText(canonicalJson({ resources: v1, trustBundle: [] })));
    first?.commit('10');
    expect(scopes.versions().get('s')).toEqual({ version: '10', hash: contentHash(v1, []) });

    // The translator keeps unchanged objects: the same lists, or new lists of the same objects, are no change.
    expect(scopes.prepare('s', v1, [])).toBeUndefined();
    expect(scopes.prepare('s', { ...v1, upstreams: [...v1.upstreams] }, [])).toBeUndefined();
    // A new object with the same content is no change either.
    expect(scopes.prepare('s', { ...v1, upstreams: [mkUpstream('api'), web] }, [])).toBeUndefined();

    const v2 = mkResources({ upstreams: [api, mkUpstream('web', { retries: 2 })], routes: [r1, mkRoute('r2', { upstream_id: 'api' })] });
    const second = scopes.prepare('s', v2, [testCertificatePem('root')]);
    expect(second?.hash).toBe(contentHash(v2, [testCertificatePem('root')]));
    expect(second?.delta?.baseHash).toBe(contentHash(v1, []));
    expect(second?.delta?.json).toBe(canonicalJson(diffResources({ resources: v1, trustBundle: [] }, { resources: v2, trustBundle: [testCertificatePem('root')] })));
    second?.commit('12');
    expect(scopes.versions().get('s')?.version).toBe('12');
  });

  it('an invalid or unpublished version is abandoned: the next one is cut from the last published', () => {
    const scopes = new PublishedScopes();
    scopes.prepare('s', v1, [])?.commit('1');
    // The upstream a route uses disappears: refused with the reason, nothing kept.
    const broken = scopes.prepare('s', mkResources({ upstreams: [api], routes: [r1] }), []);
    expect(broken?.problems).toEqual(['routes/r1 routes[r1].upstream_id: upstream "web" is not in this snapshot']);
    broken?.abandon();
    // A valid version whose publish fails.
    const v2 = mkResources({ upstreams: [api, web], routes: [r1, mkRoute('r2', { upstream_id: 'api' })] });
    const failed = scopes.prepare('s', v2, []);
    expect(failed?.problems).toEqual([]);
    failed?.abandon();
    const again = scopes.prepare('s', v2, []);
    expect(again?.delta?.baseHash).toBe(contentHash(v1, []));
    expect(parseJsonText(again?.delta?.json ?? '')).toEqual(diffResources({ resources: v1, trustBundle: [] }, { resources: v2, trustBundle: [] }));
  });

  it('forgets scopes that are gone, so one that comes back is published whole; the generation marks each change of the set', () => {
    const scopes = new PublishedScopes();
    const start = scopes.generation;
    scopes.prepare('a', v1, [])?.commit('1');
    scopes.prepare('b', v1, [])?.commit('2');
    expect(scopes.generation).toBe(start + 2);
    // A new version of a known scope does not change the set.
    scopes.prepare('a', mkResources({ upstreams: [api, web], routes: [r1, mkRoute('r3')] }), [])?.commit('3');
    expect(scopes.generation).toBe(start + 2);
    scopes.retain((scope) => scope === 'b');
    expect(scopes.generation).toBe(start + 3);
    expect(scopes.has('a')).toBe(false);
    expect(scopes.prepare('a', v1, [])?.delta).toBeUndefined();
    expect(scopes.prepare('b', v1, [])).toBeUndefined();
  });

  it('changedResources compares by identity per id: replaced objects, new ids and gone ids', () => {
    const v2 = mkResources({ upstreams: [mkUpstream('api', { retries: 1 }), mkUpstream('zed')], routes: [r1] });
    expect(changedResources(v1, v2)).toEqual({ upstreams: { upserted: [v2.upstreams[0], v2.upstreams[1]], deleted: ['web'] } });
    expect(changedResources(v1, { ...v1 })).toEqual({});
  });
});
