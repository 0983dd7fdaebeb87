import { describe, expect, it } from 'vitest';
import type { PodView } from '@weft/model';
import { identityGrants, identityKey } from './grants.js';

const pod = (namespace: string, name: string, serviceAccountName: string): [string, PodView] => [
  `${namespace}/${name}`,
  { metadata: { namespace, name, generation: 0, creationTimestamp: '', labels: {} }, serviceAccountName, podIPs: [], containerPorts: [], phase: 'Running' },
];

describe('identityGrants', () => {
  it('grants - gives each ServiceAccount its pods as agents and their scopes', () => {
    const pods = new Map([pod('shop', 'web-1', 'web'), pod('shop', 'web-2', 'web'), pod('shop', 'cart-1', 'cart'), pod('bank', 'web-1', 'web'), pod('shop', 'new-1', 'web')]);
    const grants = identityGrants(pods, { 'shop/web-1': 's1', 'shop/web-2': 's2', 'shop/cart-1': 's1', 'bank/web-1': 's3' });
    expect(grants.get(identityKey('shop', 'web'))).toEqual({ agents: ['shop_new-1', 'shop_web-1', 'shop_web-2'], scopes: ['s1', 's2'] });
    expect(grants.get(identityKey('shop', 'cart'))).toEqual({ agents: ['shop_cart-1'], scopes: ['s1'] });
    // Same ServiceAccount name in another namespace: another identity.
    expect(grants.get(identityKey('bank', 'web'))).toEqual({ agents: ['bank_web-1'], scopes: ['s3'] });
    expect(grants.size).toBe(3);
  });

  it('grants - counts a pod without serviceAccountName as the namespace default, and a pod name with dots as its agent id', () => {
    const grants = identityGrants(new Map([pod('ns', 'a.b', '')]), { 'ns/a.b': 's' });
    expect(grants.get(identityKey('ns', 'default'))).toEqual({ agents: ['ns_a~b'], scopes: ['s'] });
  });
});
