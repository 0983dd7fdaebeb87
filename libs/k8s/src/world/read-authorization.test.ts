import { describe, expect, it } from 'vitest';
import { buildWorldState } from './build-world.js';

const policy = (spec: unknown, name = 'web') => ({
  apiVersion: 'mesh.weft.dev/v1alpha1',
  kind: 'MeshAuthorization',
  metadata: { name, namespace: 'shop', generation: 2 },
  spec,
});

describe('buildWorldState - MeshAuthorization', () => {
  it('reads selector and rules, with defaults (path type PathPrefix, empty lists), values as written', () => {
    const { world, diagnostics } = buildWorldState([
      policy({
        selector: { matchLabels: { app: 'web' } },
        rules: [
          { from: { principals: ['spiffe://cluster.local/ns/frontend/sa/web'] }, to: { ports: [8080], paths: [{ value: '/api' }, { type: 'Exact', value: '/x' }], methods: ['GET'] } },
          { from: { namespaces: ['ops', 'Not_Valid'] } },
        ],
      }),
      policy({}, 'deny-all'),
    ]);
    expect(diagnostics).toEqual([]);
    expect(world.meshAuthorizations.get('shop/web')).toEqual({
      metadata: { namespace: 'shop', name: 'web', generation: 2, creationTimestamp: '', labels: {} },
      matchLabels: { app: 'web' },
      rules: [
        {
          from: { principals: ['spiffe://cluster.local/ns/frontend/sa/web'], namespaces: [] },
          to: { ports: [8080], paths: [{ type: 'PathPrefix', value: '/api' }, { type: 'Exact', value: '/x' }], methods: ['GET'] },
        },
        // Invalid values are kept: translate reports them in the policy's status.
        { from: { principals: [], namespaces: ['ops', 'Not_Valid'] } },
      ],
    });
    expect(world.meshAuthorizations.get('shop/deny-all')).toMatchObject({ matchLabels: {}, rules: [] });
  });

  it('reports a malformed policy (wrong types, no spec) and keeps the rest', () => {
    const { world, diagnostics } = buildWorldState([
      policy({ rules: [{ from: { principals: 'spiffe://cluster.local/ns/a/sa/b' } }] }, 'string-not-list'),
      policy({ rules: [{ to: { ports: [80] } }] }, 'no-from'),
      policy({ rules: [{ from: {}, to: { ports: ['http'] } }] }, 'named-port'),
      { ...policy(undefined, 'no-spec'), spec: undefined },
      policy({}, 'ok'),
    ]);
    expect([...world.meshAuthorizations.keys()]).toEqual(['shop/ok']);
    expect(diagnostics).toEqual([
      { object: 'MeshAuthorization shop/named-port', message: 'spec.rules[0].to.ports[0]: must be an integer' },
      { object: 'MeshAuthorization shop/no-from', message: 'spec.rules[0].from: must be an object' },
      { object: 'MeshAuthorization shop/no-spec', message: 'spec: must be an object' },
      { object: 'MeshAuthorization shop/string-not-list', message: 'spec.rules[0].from.principals: must be a list' },
    ]);
  });

  it('a policy edited in place is patched into the previous world; other maps stay the same objects', () => {
    const objects: unknown[] = [policy({ rules: [] }), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [] } }];
    const first = buildWorldState(objects).world;
    objects[0] = policy({ rules: [{ from: { namespaces: ['ops'] } }] });
    const second = buildWorldState(objects, { previous: first }).world;
    expect(second.pods).toBe(first.pods);
    expect(second.meshAuthorizations).not.toBe(first.meshAuthorizations);
    expect(second.meshAuthorizations.get('shop/web')?.rules).toHaveLength(1);
  });
});
