import { describe, expect, it } from 'vitest';
import { emptyWorldState } from '@weft/model';
import type { MeshConfig, PodView, WorldState } from '@weft/model';
import { grantIndexOf } from './grant-index.js';

const pod: PodView = { metadata: { namespace: 'shop', name: 'web-1', generation: 0, creationTimestamp: '', labels: {} }, serviceAccountName: 'web', podIPs: [], containerPorts: [], phase: 'Running' };
const world: WorldState = { ...emptyWorldState(), pods: new Map([['shop/web-1', pod]]) };
const mesh = (scope: string): MeshConfig => ({ scopes: {}, workloads: { 'shop/web-1': scope }, routeStatuses: [], authorizationStatuses: [], diagnostics: [] });

describe('grantIndexOf', () => {
  it('grant index - follows the last translation and rebuilds only when it changes', () => {
    const source: { world: WorldState | undefined; mesh: MeshConfig | undefined } = { world: undefined, mesh: undefined };
    const grants = grantIndexOf(source);
    expect(grants().size).toBe(0);
    source.world = world;
    source.mesh = mesh('s1');
    const first = grants();
    expect(first.get('shop/web')).toEqual({ agents: ['shop_web-1'], scopes: ['s1'] });
    expect(grants()).toBe(first);
    source.mesh = mesh('s2');
    expect(grants().get('shop/web')?.scopes).toEqual(['s2']);
  });
});
