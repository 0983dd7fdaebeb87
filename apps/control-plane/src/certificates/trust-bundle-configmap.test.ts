import { describe, expect, it } from 'vitest';
import { ConfigMapTrustRoots, parseConfigMapRef } from './trust-bundle-configmap.js';

const pem = (n: string): string => `-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----\n`;

describe('certificates - the trust bundle from the bridge’s ConfigMap', () => {
  it('takes the roots of roots.pem, tells of real changes only, and keeps the last roots when the ConfigMap loses them', () => {
    const heard: (readonly string[])[] = [];
    const trust = new ConfigMapTrustRoots((roots) => heard.push(roots));
    expect(trust.roots).toEqual([]);
    expect(trust.pem).toBe('');
    trust.take(undefined);
    trust.take({ other: pem('X') });
    expect(heard).toEqual([]);
    trust.take({ 'roots.pem': pem('A') });
    expect(trust.roots).toEqual([pem('A')]);
    // The same roots again (a resync, another key changed): nothing to publish.
    trust.take({ 'roots.pem': pem('A'), other: 'x' });
    expect(heard).toHaveLength(1);
    // A rotation: old and new root together; a missing final newline is the same certificate.
    trust.take({ 'roots.pem': `${pem('A')}${pem('B').trimEnd()}` });
    expect(trust.roots).toEqual([pem('A'), pem('B')]);
    expect(trust.pem).toBe(`${pem('A')}${pem('B')}`);
    expect(heard).toHaveLength(2);
    trust.take(undefined);
    trust.take({ 'roots.pem': 'garbage' });
    expect(trust.roots).toEqual([pem('A'), pem('B')]);
    expect(heard).toHaveLength(2);
  });

  it('parses <namespace>/<name>, empty for none', () => {
    expect(parseConfigMapRef('')).toBeUndefined();
    expect(parseConfigMapRef('weft-system/weft-trust-bundle')).toEqual({ namespace: 'weft-system', name: 'weft-trust-bundle' });
    expect(() => parseConfigMapRef('weft-trust-bundle')).toThrow(/is not <namespace>\/<name>/);
    expect(() => parseConfigMapRef('a/b/c')).toThrow(/is not <namespace>\/<name>/);
    expect(() => parseConfigMapRef('Upper/x')).toThrow(/is not <namespace>\/<name>/);
  });
});
