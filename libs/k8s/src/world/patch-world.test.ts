import { describe, expect, it } from 'vitest';
import type { WorldState } from '@weft/model';
import { buildWorldState } from './build-world.js';

const svc = (name: string, port = 80) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec: { clusterIP: '10.96.0.1', ports: [{ name: 'http', port }] },
});
const slice = (name: string, service: string, address: string) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080 }],
  endpoints: [{ addresses: [address] }],
});
const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop' }, spec: { containers: [] } });

/** The world's content, independent of map order and object identity. */
function content(world: WorldState): string {
  const sorted = (m: ReadonlyMap<string, unknown>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify({
    services: sorted(world.services),
    endpointSlices: sorted(world.endpointSlices),
    pods: sorted(world.pods),
    namespaces: sorted(world.namespaces),
    httpRoutes: sorted(world.httpRoutes),
    grpcRoutes: sorted(world.grpcRoutes),
    referenceGrants: sorted(world.referenceGrants),
    meshAuthorizations: sorted(world.meshAuthorizations),
  });
}

describe('buildWorldState - rebuild from a previous world', () => {
  const base = () => [svc('web'), svc('api'), slice('web-a', 'web', '10.0.0.1'), slice('web-b', 'web', '10.0.0.2'), pod('p1'), { kind: 'Unknown' }];

  it('swaps in objects changed in place and keeps every other map', () => {
    const objects = base();
    const first = buildWorldState(objects).world;
    objects[3] = slice('web-b', 'web', '10.0.0.9');
    const second = buildWorldState(objects, { previous: first });
    expect(second.world.services).toBe(first.services);
    expect(second.world.pods).toBe(first.pods);
    expect(second.world.endpointSlices).not.toBe(first.endpointSlices);
    expect(second.world.endpointSlices.get('shop/web')?.map((s) => s.endpoints[0]?.addresses[0])).toEqual(['10.0.0.1', '10.0.0.9']);
    expect(content(second.world)).toBe(content(buildWorldState(objects).world));
    objects[0] = svc('web', 81);
    const third = buildWorldState(objects, { previous: second.world }).world;
    expect(third.endpointSlices).toBe(second.world.endpointSlices);
    expect(third.services.get('shop/web')?.ports[0]?.port).toBe(81);
    expect(content(third)).toBe(content(buildWorldState(objects).world));
  });

  it('returns the previous world itself when nothing changed', () => {
    const objects = base();
    const first = buildWorldState(objects).world;
    expect(buildWorldState(objects, { previous: first }).world).toBe(first);
  });

  it('falls back to a full build for additions, renames, errors and duplicates, with the same result as a fresh build', () => {
    const edits: ((objects: unknown[]) => void)[] = [
      (o) => o.push(svc('new')),
      (o) => (o[1] = svc('renamed')),
      (o) => (o[4] = { ...pod('p1'), metadata: { namespace: 'shop' } }),
      (o) => o.push(svc('web', 99)),
      (o) => o.splice(2, 1),
      (o) => (o[2] = slice('web-a', 'api', '10.0.0.3')),
      (o) => (o[1] = { kind: 'List', items: [svc('api', 81)] }),
      (o) => (o[5] = 'not an object'),
    ];
    for (const editObjects of edits) {
      const objects: unknown[] = base();
      const first = buildWorldState(objects);
      editObjects(objects);
      const patched = buildWorldState(objects, { previous: first.world });
      const fresh = buildWorldState(objects);
      expect(content(patched.world)).toBe(content(fresh.world));
      expect(patched.diagnostics).toEqual(fresh.diagnostics);
    }
  });

  it('finds changed objects by identity in a fresh array too, and patches input that held a List', () => {
    const objects = base();
    const first = buildWorldState(objects).world;
    const copy = objects.slice();
    copy[0] = svc('web', 81);
    const second = buildWorldState(copy, { previous: first }).world;
    expect(second.endpointSlices).toBe(first.endpointSlices);
    expect(second.services.get('shop/web')?.ports[0]?.port).toBe(81);

    const items: unknown[] = base();
    const listed: unknown[] = [{ kind: 'List', items }];
    const fromList = buildWorldState(listed).world;
    listed[0] = { kind: 'List', items: items.map((o, i) => (i === 3 ? slice('web-b', 'web', '10.0.0.7') : o)) };
    const rebuilt = buildWorldState(listed, { previous: fromList }).world;
    expect(rebuilt.services).toBe(fromList.services);
    expect(content(rebuilt)).toBe(content(buildWorldState(listed).world));
  });

  it('a change to a duplicate that lost is not patched in', () => {
    const objects: unknown[] = [svc('web', 80), svc('web', 81)];
    const first = buildWorldState(objects).world;
    objects[0] = svc('web', 82);
    const second = buildWorldState(objects, { previous: first }).world;
    expect(second.services.get('shop/web')?.ports[0]?.port).toBe(81);
  });
});
