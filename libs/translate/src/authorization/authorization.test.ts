import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeshConfig, MeshAuthorizationView, WorldState } from '@weft/model';
// Test-only edge to the real WorldState builder, as in golden.test.ts.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildWorldState, parseManifests } from '../../../k8s/src/world/index.js';
import { createTranslator, translate } from '../index.js';
import { worldFromParts, worldPartsArb } from '../testing/arbitrary-world.js';
import { AUTHORIZATION_PLUGIN } from './authorization-index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

function fixture(path: string): WorldState {
  return buildWorldState(parseManifests(readFileSync(join(FIXTURES, path), 'utf8')).objects).world;
}

function guarded(config: MeshConfig, workload: string): boolean {
  const scope = config.scopes[config.workloads[workload] ?? ''];
  return scope?.routes.some((r) => r.plugins?.[AUTHORIZATION_PLUGIN] !== undefined) ?? false;
}

const withoutPolicies = (world: WorldState): WorldState => ({ ...world, meshAuthorizations: new Map() });

describe('translate - MeshAuthorization', () => {
  it('policies that select no workload with an inbound port leave scopes and workloads byte-identical', () => {
    const plain = translate(fixture('services/workloads.yaml'));
    const withPolicies = translate(fixture('authorization/unselected.yaml'));
    expect(withPolicies.authorizationStatuses.map((s) => s.name)).toEqual(['legacy-no-port', 'selects-nothing', 'elsewhere']);
    expect(JSON.stringify(withPolicies.scopes)).toBe(JSON.stringify(plain.scopes));
    expect(withPolicies.workloads).toEqual(plain.workloads);
  });

  it('property: workloads no policy guards keep the scope id and content they have without policies', () => {
    fc.assert(
      fc.property(worldPartsArb, (parts) => {
        const world = worldFromParts(parts);
        const before = translate(withoutPolicies(world));
        const after = translate(world);
        expect(Object.keys(after.workloads)).toEqual(Object.keys(before.workloads));
        for (const [workload, scope] of Object.entries(after.workloads)) {
          const routes = after.scopes[scope]?.routes ?? [];
          const inbound = routes.filter((r) => r.id.startsWith('in.'));
          if (!guarded(after, workload)) {
            expect(scope, workload).toBe(before.workloads[workload]);
            expect(JSON.stringify(after.scopes[scope])).toBe(JSON.stringify(before.scopes[scope]));
          } else {
            // Guarded: every inbound route carries the check, and the scope is not one an unguarded workload uses.
            expect(inbound.every((r) => r.plugins?.[AUTHORIZATION_PLUGIN] !== undefined)).toBe(true);
            expect(Object.values(before.workloads)).not.toContain(scope);
          }
        }
        expect(after.authorizationStatuses).toHaveLength(world.meshAuthorizations.size);
      }),
      { numRuns: 200 },
    );
  });

  it('an edited policy keeps its workloads in the same scope with new content; removing it restores the plain scope', () => {
    const world = fixture('authorization/principal.yaml');
    const translator = createTranslator();
    const first = translator.translate(world);
    const policy = world.meshAuthorizations.get('shop/web-from-frontend') as MeshAuthorizationView;
    const edited: MeshAuthorizationView = {
      ...policy,
      metadata: { ...policy.metadata, generation: 4 },
      rules: [{ from: { principals: ['spiffe://cluster.local/ns/frontend/sa/admin'], namespaces: [] } }],
    };
    const second = translator.translate({ ...world, meshAuthorizations: new Map([['shop/web-from-frontend', edited]]) });
    const scope = first.workloads['shop/web-1'] as string;
    expect(second.workloads['shop/web-1']).toBe(scope);
    const check = (config: MeshConfig) => JSON.stringify(config.scopes[scope]?.routes.find((r) => r.id === 'in.8080')?.plugins);
    expect(check(second)).toContain('ns/frontend/sa/admin');
    expect(check(second)).not.toContain('ns/frontend/sa/web');
    expect(second.authorizationStatuses[0]?.conditions[0]?.observedGeneration).toBe(4);
    // The unselected workload's scope is the very same object: nothing of it was rebuilt.
    expect(second.scopes[first.workloads['shop/api-1'] as string]).toBe(first.scopes[first.workloads['shop/api-1'] as string]);
    const third = translator.translate(withoutPolicies(world));
    expect(third.workloads['shop/web-1']).toBe(third.workloads['shop/api-1']);
    expect(JSON.stringify(third)).toBe(JSON.stringify(translate(withoutPolicies(world))));
  });

  it('an invalid policy is Accepted=False and fails closed; a valid one beside it still applies', () => {
    const config = translate(fixture('authorization/invalid.yaml'));
    const accepted = Object.fromEntries(config.authorizationStatuses.map((s) => [s.name, s.conditions[0]]));
    expect(accepted['bad-principal']).toMatchObject({ status: 'False', reason: 'InvalidPrincipal', observedGeneration: 4 });
    expect(accepted['bad-principal']?.message).toContain('trust domain "Cluster.Local"');
    expect(accepted['bad-selector']).toMatchObject({ status: 'False', reason: 'InvalidSelector' });
    expect(accepted['bad-rule']?.status).toBe('False');
    expect(accepted['web-ok']).toMatchObject({ status: 'True', reason: 'Accepted' });
    // web-1 is guarded by both policies; only web-ok's principal is in its rules.
    const fn = JSON.stringify(config.scopes[config.workloads['shop/web-1'] as string]?.routes.find((r) => r.id === 'in.8080')?.plugins);
    expect(fn).toContain('shop/bad-principal');
    expect(fn).toContain('spiffe://cluster.local/ns/frontend/sa/web');
    expect(fn).not.toContain('Cluster.Local');
    // api-1 is selected only by the policy with an invalid selector: it is not guarded.
    expect(guarded(config, 'shop/api-1')).toBe(false);
  });

  it('scope ids depend on the policies by name: deterministic, and distinct per policy set', () => {
    const world = fixture('authorization/operations.yaml');
    const ids = translate(world).workloads;
    expect(translate(world).workloads).toEqual(ids);
    const onlyHttp = new Map([...world.meshAuthorizations].filter(([key]) => key === 'shop/orders-http'));
    expect(translate({ ...world, meshAuthorizations: onlyHttp }).workloads['shop/orders-1']).not.toBe(ids['shop/orders-1']);
  });
});
