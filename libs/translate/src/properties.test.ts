import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApisixResources, MeshConfig } from '@weft/model';
import { APISIX_ID_PATTERN, APISIX_KINDS } from '@weft/model';
import { createTranslator, translate } from './index.js';
import { reversedWorld, slicePartsArb, worldFromParts, worldPartsArb } from './testing/arbitrary-world.js';

function referencedUpstreams(resources: ApisixResources): string[] {
  const ids: string[] = [];
  for (const route of resources.routes) {
    if (route.upstream_id !== undefined) ids.push(route.upstream_id);
    const split = route.plugins?.['traffic-split'] as { rules: { weighted_upstreams: { upstream_id?: string }[] }[] } | undefined;
    for (const rule of split?.rules ?? []) for (const w of rule.weighted_upstreams) if (w.upstream_id !== undefined) ids.push(w.upstream_id);
  }
  return ids;
}

function checkConsistent(config: MeshConfig): void {
  for (const [scope, resources] of Object.entries(config.scopes)) {
    expect(scope).toMatch(/^[a-z0-9-]+$/);
    for (const kind of APISIX_KINDS) {
      const ids = resources[kind].map((r) => r.id);
      for (const id of ids) expect(id).toMatch(APISIX_ID_PATTERN);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
    }
    const upstreams = new Set(resources.upstreams.map((u) => u.id));
    for (const id of referencedUpstreams(resources)) expect(upstreams.has(id), `${scope}: upstream ${id}`).toBe(true);
    const pluginConfigs = new Set(resources.plugin_configs.map((p) => p.id));
    for (const route of resources.routes) {
      if (route.plugin_config_id !== undefined) expect(pluginConfigs.has(route.plugin_config_id)).toBe(true);
      // APISIX requires one of uri/uris, and something to do.
      expect((route.uri === undefined) !== (route.uris === undefined)).toBe(true);
      expect(route.upstream_id !== undefined || route.plugins !== undefined).toBe(true);
    }
  }
  for (const scope of Object.values(config.workloads)) expect(config.scopes[scope]).toBeDefined();
}

describe('translate - properties', () => {
  it('never throws and yields consistent config: valid ids, sorted lists, resolved references', () => {
    fc.assert(
      fc.property(worldPartsArb, (parts) => {
        checkConsistent(translate(worldFromParts(parts)));
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: byte-identical JSON on repeat and under input reordering', () => {
    fc.assert(
      fc.property(worldPartsArb, (parts) => {
        const world = worldFromParts(parts);
        const first = JSON.stringify(translate(world));
        expect(JSON.stringify(translate(world))).toBe(first);
        expect(JSON.stringify(translate(reversedWorld(world)))).toBe(first);
      }),
      { numRuns: 200 },
    );
  });

  it('an incremental translator gives what a fresh one gives, whatever came before', () => {
    fc.assert(
      fc.property(worldPartsArb, worldPartsArb, (before, after) => {
        const translator = createTranslator();
        translator.translate(worldFromParts(before));
        // Share some objects between the two worlds, as a real rebuild does.
        const mixed = { ...after, services: [...before.services.slice(0, 2), ...after.services], slices: [...before.slices, ...after.slices] };
        const world = worldFromParts(mixed);
        expect(JSON.stringify(translator.translate(world))).toBe(JSON.stringify(translate(world)));
      }),
      { numRuns: 200 },
    );
  });

  it('an endpoints-only change on a warm translator gives what a fresh translation gives', () => {
    fc.assert(
      fc.property(worldPartsArb, fc.array(slicePartsArb, { maxLength: 6 }), (parts, slices) => {
        const translator = createTranslator();
        const before = worldFromParts(parts);
        translator.translate(before);
        // Same maps for every kind but EndpointSlices, as the builder hands over when only endpoints moved.
        const after = { ...before, endpointSlices: worldFromParts({ ...parts, slices }).endpointSlices };
        expect(JSON.stringify(translator.translate(after))).toBe(JSON.stringify(translate(after)));
      }),
      { numRuns: 200 },
    );
  });

  it('after a series of small edits (copied, edited, cut and dropped routes and policies, moved endpoints) equals a fresh translation', () => {
    const edit = fc.record({
      kind: fc.constantFrom('copy-route', 'edit-route', 'cut-route', 'drop-route', 'slices', 'copy-service', 'edit-policy', 'drop-policy'),
      index: fc.nat(),
      slices: fc.array(slicePartsArb, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(worldPartsArb, fc.array(edit, { minLength: 1, maxLength: 4 }), (parts, edits) => {
        const translator = createTranslator();
        let world = worldFromParts(parts);
        translator.translate(world);
        for (const e of edits) {
          const routes = [...world.httpRoutes.values()];
          const services = [...world.services.values()];
          const route = routes[e.index % Math.max(1, routes.length)];
          const service = services[e.index % Math.max(1, services.length)];
          const policies = [...world.meshAuthorizations.values()];
          const policy = policies[e.index % Math.max(1, policies.length)];
          if ((e.kind === 'copy-route' || e.kind === 'edit-route') && route !== undefined) {
            const copy =
              e.kind === 'copy-route'
                ? { ...route }
                : { ...route, rules: route.rules.map((r) => ({ ...r, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-edit', value: String(e.index) }], add: [], remove: [] } }] })) };
            world = { ...world, httpRoutes: new Map([...world.httpRoutes].map(([k, v]) => [k, v === route ? copy : v])) };
          } else if (e.kind === 'cut-route' && route !== undefined) {
            // Fewer rules: candidate ids go away, so slots change shape, not just content.
            const cut = { ...route, rules: route.rules.slice(1) };
            world = { ...world, httpRoutes: new Map([...world.httpRoutes].map(([k, v]) => [k, v === route ? cut : v])) };
          } else if (e.kind === 'drop-route' && route !== undefined) {
            world = { ...world, httpRoutes: new Map([...world.httpRoutes].filter(([, v]) => v !== route)) };
          } else if (e.kind === 'edit-policy' && policy !== undefined) {
            // One rule less, or a first one when it had none: the same scopes get other checks.
            const edited = { ...policy, rules: policy.rules.length > 0 ? policy.rules.slice(1) : [{ from: { principals: [], namespaces: ['a'] } }] };
            world = { ...world, meshAuthorizations: new Map([...world.meshAuthorizations].map(([k, v]) => [k, v === policy ? edited : v])) };
          } else if (e.kind === 'drop-policy' && policy !== undefined) {
            world = { ...world, meshAuthorizations: new Map([...world.meshAuthorizations].filter(([, v]) => v !== policy)) };
          } else if (e.kind === 'copy-service' && service !== undefined) {
            world = { ...world, services: new Map([...world.services].map(([k, v]) => [k, v === service ? { ...v } : v])) };
          } else {
            world = { ...world, endpointSlices: worldFromParts({ ...parts, slices: e.slices }).endpointSlices };
          }
          expect(JSON.stringify(translator.translate(world))).toBe(JSON.stringify(translate(world)));
        }
      }),
      { numRuns: 400 },
    );
  });
});
