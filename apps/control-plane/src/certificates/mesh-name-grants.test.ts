import { describe, expect, it } from 'vitest';
import { emptyWorldState } from '@weft/model';
import type { PodView, ServiceView, WorldState } from '@weft/model';
import { meshNameGrants } from './mesh-name-grants.js';

// Which names a pod gets is libs/translate's meshNamesFor (tested there); this is the hook over the live world.
const meta = (name: string, labels: Record<string, string> = {}) => ({ namespace: 'default', name, generation: 1, creationTimestamp: '', labels });

const pod: PodView = {
  metadata: meta('reviews-v1-abc', { app: 'reviews' }),
  serviceAccountName: 'reviews',
  podIPs: ['10.0.0.7'],
  containerPorts: [{ name: 'http', containerPort: 9080, protocol: 'TCP' }],
  phase: 'Running',
};

function worldWith(targetPort: number): WorldState {
  const service: ServiceView = {
    metadata: meta('reviews'),
    type: 'ClusterIP',
    clusterIPs: ['10.96.0.9'],
    headless: false,
    ipFamilies: ['IPv4'],
    selector: { app: 'reviews' },
    ports: [{ name: 'http', port: 80, targetPort, protocol: 'TCP' }],
  };
  return { ...emptyWorldState(), services: new Map([['default/reviews', service]]), pods: new Map([['default/reviews-v1-abc', pod]]) };
}

describe('certificates - mesh name grants', () => {
  it('reads the world current at each request: none before the first sync, then the names of that world', () => {
    let current: WorldState | undefined;
    const grant = meshNameGrants(() => current);
    const account = { namespace: 'default', serviceAccount: 'reviews', podName: 'reviews-v1-abc' };
    expect(grant(account)).toEqual([]);
    current = worldWith(9080);
    expect(grant(account)).toEqual(['9080.reviews.default.svc.cluster.local']);
    current = worldWith(8080);
    expect(grant(account)).toEqual(['8080.reviews.default.svc.cluster.local']);
  });
});
