import { describe, expect, it } from 'vitest';
import { checkLabelKey, checkLabelValue, checkNamespaceName, checkPath, parsePrincipal } from './syntax.js';

describe('MeshAuthorization syntax', () => {
  it.each([
    ['spiffe://cluster.local/ns/shop/sa/web', { kind: 'exact', id: 'spiffe://cluster.local/ns/shop/sa/web' }],
    ['spiffe://cluster.local', { kind: 'exact', id: 'spiffe://cluster.local' }],
    ['spiffe://td_1.example-x/a.b/c_d', { kind: 'exact', id: 'spiffe://td_1.example-x/a.b/c_d' }],
    ['spiffe://cluster.local/*', { kind: 'prefix', prefix: 'spiffe://cluster.local/' }],
    ['spiffe://cluster.local/ns/shop/*', { kind: 'prefix', prefix: 'spiffe://cluster.local/ns/shop/' }],
    ['spiffe://cluster.local/ns/shop/sa/batch-*', { kind: 'prefix', prefix: 'spiffe://cluster.local/ns/shop/sa/batch-' }],
  ])('accepts %s', (text, expected) => {
    expect(parsePrincipal(text)).toEqual(expected);
  });

  it.each([
    ['web', 'must be a SPIFFE ID'],
    ['SPIFFE://cluster.local/ns/a/sa/b', 'must be a SPIFFE ID'],
    ['spiffe://', 'the trust domain is empty'],
    ['spiffe:///ns/a', 'the trust domain is empty'],
    ['spiffe://Cluster.Local/ns/a/sa/b', 'trust domain "Cluster.Local"'],
    ['spiffe://cluster.local:443/ns/a', 'no port'],
    ['spiffe://user@cluster.local/ns/a', 'trust domain "user@cluster.local"'],
    ['spiffe://cluster.local/', 'an empty segment'],
    ['spiffe://cluster.local/ns//sa/b', 'an empty segment'],
    ['spiffe://cluster.local/ns/../sa/b', "'.' and '..'"],
    ['spiffe://cluster.local/ns/a b', 'path characters'],
    ['spiffe://cluster.local/ns/a?x=1', 'path characters'],
    ['spiffe://cluster.local/ns/é', 'path characters'],
    ['spiffe://cluster*', 'a wildcard must follow a whole trust domain'],
    ['spiffe://*', 'a wildcard must follow a whole trust domain'],
    ['spiffe://cluster.local/*/sa/web', "'*' may only end a principal"],
    ['spiffe://cluster.local/ns/**', "'*' may only end a principal"],
    ['spiffe://cluster.local/ns//*', 'an empty segment'],
    [`spiffe://cluster.local/${'a'.repeat(2048)}`, 'longer than 2048'],
  ])('refuses %s: %s', (text, problem) => {
    const parsed = parsePrincipal(text);
    expect(typeof parsed).toBe('string');
    expect(parsed).toContain(problem);
  });

  it('checks namespaces, label keys and values as Kubernetes does', () => {
    expect(checkNamespaceName('team-a')).toBeUndefined();
    expect(checkNamespaceName('Team_A')).toContain('DNS label');
    expect(checkNamespaceName('a'.repeat(64))).toContain('DNS label');
    expect(checkLabelKey('app')).toBeUndefined();
    expect(checkLabelKey('app.kubernetes.io/name')).toBeUndefined();
    expect(checkLabelKey('app/')).toContain('label key "app/"');
    expect(checkLabelKey('Bad_Prefix/app')).toContain('prefix must be a DNS subdomain');
    expect(checkLabelKey('-app')).toContain('starting and ending alphanumeric');
    expect(checkLabelValue('app', '')).toBeUndefined();
    expect(checkLabelValue('app', 'web_1.v2')).toBeUndefined();
    expect(checkLabelValue('app', 'bad value')).toContain('value "bad value"');
  });

  it('refuses paths the normalised request path can never equal, with the reason', () => {
    expect(checkPath('/api/v1')).toBeUndefined();
    expect(checkPath('/.well-known/x')).toBeUndefined();
    expect(checkPath('/é/ü')).toBeUndefined();
    expect(checkPath('api')).toContain("must start with '/'");
    expect(checkPath('/a b')).toContain('no spaces or control characters');
    expect(checkPath('/a\nb')).toContain('no spaces or control characters');
    expect(checkPath('/a?b=1')).toContain('without its query');
    expect(checkPath('/a%20b')).toContain('decoded request path');
    expect(checkPath('/a//b')).toContain("'//'");
    expect(checkPath('/a/./b')).toContain("'/./'");
    expect(checkPath('/a/..')).toContain("'/../'");
    expect(checkPath('/\ud800')).toContain('not well-formed Unicode');
    expect(checkPath(`/${'a'.repeat(1024)}`)).toContain('longer than 1024');
  });
});
