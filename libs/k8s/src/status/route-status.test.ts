import { describe, expect, it } from 'vitest';
import { mergeRouteParents, parentRefKey } from './route-status.js';
import type { DesiredRouteStatus, RouteParentStatus } from './route-status.js';

const CONTROLLER = 'weft.dev/mesh-controller';
const accepted = { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route accepted' } as const;
const resolved = { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved' } as const;

function desired(parents: DesiredRouteStatus['parents'], generation = 2): DesiredRouteStatus {
  return { kind: 'HTTPRoute', namespace: 'shop', name: 'reviews', generation, parents };
}

const serviceRef = { group: '', kind: 'Service', name: 'reviews', port: 9080 };
const otherEntry: RouteParentStatus = {
  parentRef: { group: '', kind: 'Service', name: 'reviews' },
  controllerName: 'istio.io/gateway-controller',
  conditions: [{ ...accepted, observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }],
};

describe('mergeRouteParents', () => {
  it('adds our entry beside another controller’s without touching it', () => {
    const next = mergeRouteParents([otherEntry], desired([{ parentRef: serviceRef, conditions: [accepted, resolved] }]), CONTROLLER, 'T1');
    expect(next?.[0]).toBe(otherEntry);
    expect(next?.[1]).toEqual({
      parentRef: serviceRef,
      controllerName: CONTROLLER,
      conditions: [
        { ...accepted, observedGeneration: 2, lastTransitionTime: 'T1' },
        { ...resolved, observedGeneration: 2, lastTransitionTime: 'T1' },
      ],
    });
  });

  it('returns undefined when the status would not change, so nothing is written', () => {
    const first = mergeRouteParents([], desired([{ parentRef: serviceRef, conditions: [accepted] }]), CONTROLLER, 'T1')!;
    expect(mergeRouteParents(first, desired([{ parentRef: serviceRef, conditions: [accepted] }]), CONTROLLER, 'T2')).toBeUndefined();
  });

  it('keeps lastTransitionTime while a condition keeps its status, and moves it when the status flips', () => {
    const first = mergeRouteParents([], desired([{ parentRef: serviceRef, conditions: [accepted, resolved] }]), CONTROLLER, 'T1')!;
    const broken = { ...resolved, status: 'False', reason: 'BackendNotFound', message: 'Service shop/nope not found' } as const;
    const next = mergeRouteParents(first, desired([{ parentRef: serviceRef, conditions: [accepted, broken] }], 3), CONTROLLER, 'T2')!;
    expect(next[0]?.conditions).toEqual([
      { ...accepted, observedGeneration: 3, lastTransitionTime: 'T1' },
      { ...broken, observedGeneration: 3, lastTransitionTime: 'T2' },
    ]);
  });

  it('drops our entries for parents the route no longer has', () => {
    const first = mergeRouteParents([otherEntry], desired([{ parentRef: serviceRef, conditions: [accepted] }]), CONTROLLER, 'T1')!;
    expect(mergeRouteParents(first, desired([]), CONTROLLER, 'T2')).toEqual([otherEntry]);
  });

  it('treats omitted parentRef fields as the Gateway API defaults', () => {
    expect(parentRefKey({ name: 'gw' }, 'shop')).toBe(
      parentRefKey({ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'shop', name: 'gw' }, 'other'),
    );
    expect(parentRefKey({ group: '', kind: 'Service', name: 'a' }, 'shop')).not.toBe(parentRefKey({ name: 'a' }, 'shop'));
  });
});
