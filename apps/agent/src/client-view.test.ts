import { describe, expect, it } from 'vitest';
import type { ApisixKind, ApisixResource } from '@weft/model';
import { canonicalJson } from '@weft/snapshot';
import { mkRoute, mkUpstream } from '@weft/snapshot/testing';
import { clientViewOf } from './client-view.js';

const label = (ns: string) => ({ 'weft.dev/short-host-namespace': ns });

describe('clientViewOf', () => {
  it('says from the JSON alone when a resource is served as published, and never misses one it changes', () => {
    const view = clientViewOf('a');
    if (view === undefined) throw new Error('a view for namespace a');
    const cases: [ApisixKind, ApisixResource][] = [
      ['routes', mkRoute('own', { hosts: ['web', 'web.a'], labels: label('a') })],
      ['routes', mkRoute('other', { hosts: ['web', 'web.b'], labels: label('b') })],
      ['routes', mkRoute('only-short', { hosts: ['web:80'], labels: label('b') })],
      ['routes', mkRoute('fqdn-only', { hosts: ['web.b.svc'], labels: label('b') })],
      ['routes', mkRoute('unlabelled', { hosts: ['web'] })],
      // The label key nested elsewhere (not the route's label): the route is served as it is.
      ['routes', mkRoute('nested', { hosts: ['web'], plugins: { echo: { 'weft.dev/short-host-namespace': 'b' } } })],
      ['routes', mkRoute('nested-own', { hosts: ['web'], labels: label('b'), plugins: { echo: { 'weft.dev/short-host-namespace': 'a' } } })],
      ['upstreams', mkUpstream('u', { labels: label('b') })],
    ];
    for (const [kind, resource] of cases) {
      const served = view(kind, resource);
      const changes = view.changes?.(kind, canonicalJson(resource)) ?? true;
      // Skipping the parse is only allowed where the transform gives the resource itself back.
      if (!changes) expect(served, `${kind} ${resource.id}`).toBe(resource);
    }
    expect(view.changes?.('routes', canonicalJson(cases[0]?.[1]))).toBe(false);
    expect(view.changes?.('routes', canonicalJson(cases[1]?.[1]))).toBe(true);
    expect(view.changes?.('routes', canonicalJson(cases[4]?.[1]))).toBe(false);
    expect(view.changes?.('routes', canonicalJson(cases[6]?.[1]))).toBe(true);
    expect(clientViewOf('')).toBeUndefined();
  });
});

describe('clientViewOf rewrite', () => {
  it('gives from the text what canonicalJson of the transformed route gives', () => {
    const view = clientViewOf('a');
    if (view?.rewrite === undefined) throw new Error('a text rewrite for namespace a');
    const routes: ApisixResource[] = [
      mkRoute('own', { hosts: ['web', 'web.a'], labels: label('a') }),
      mkRoute('other', { hosts: ['web', 'web.b', 'web:80', 'web.b.svc:80'], labels: label('b') }),
      mkRoute('only-short', { hosts: ['web:80', 'web'], labels: label('b') }),
      mkRoute('fqdn-only', { hosts: ['web.b.svc'], labels: label('b') }),
      mkRoute('no-hosts', { labels: label('b') }),
      mkRoute('unlabelled', { hosts: ['web'] }),
      mkRoute('more-labels', { hosts: ['web', 'web.b'], labels: { ...label('b'), 'z-last': 'x', 'a-first': '"hosts":["q"]' } }),
      // Look-alikes nested or inside strings must not be taken for the route's own members.
      mkRoute('nested', { hosts: ['web', '[::1]:80'], labels: label('b'), plugins: { echo: { hosts: ['x'], labels: label('a'), note: '"hosts":["y"],\\"' } } }),
      mkRoute('escaped-host', { hosts: ['we\\b', 'web.b\u2028'], labels: label('b') }),
    ];
    for (const route of routes) {
      const expected = view('routes', route);
      const got = view.rewrite('routes', canonicalJson(route));
      expect(got, route.id).toEqual({ json: expected === undefined ? undefined : canonicalJson(expected) });
    }
    expect(view.rewrite('upstreams', canonicalJson(mkUpstream('u', { labels: label('b') })))).toEqual({ json: canonicalJson(mkUpstream('u', { labels: label('b') })) });
    expect(view.rewrite('routes', 'not json')).toBeUndefined();
  });
});
