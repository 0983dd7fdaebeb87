import { describe, expect, it } from 'vitest';
import { emptyWorldState } from '@weft/model';
import type { PodView, ServiceView, WorldState } from '@weft/model';
import { meshNamesFor } from './mesh-names.js';

const meta = (namespace: string, name: string, labels: Record<string, string> = {}) => ({ namespace, name, generation: 1, creationTimestamp: '', labels });

function mkPod(namespace: string, name: string, labels: Record<string, string>, serviceAccountName = 'reviews'): PodView {
  return {
    metadata: meta(namespace, name, labels),
    serviceAccountName,
    podIPs: ['10.0.0.7'],
    containerPorts: [{ name: 'http', containerPort: 9080, protocol: 'TCP' }, { name: 'admin', containerPort: 9901, protocol: 'TCP' }],
    phase: 'Running',
  };
}

function mkService(namespace: string, name: string, selector: Record<string, string> | undefined, ports: ServiceView['ports']): ServiceView {
  return { metadata: meta(namespace, name), type: 'ClusterIP', clusterIPs: ['10.96.0.9'], headless: false, ipFamilies: ['IPv4'], ...(selector === undefined ? {} : { selector }), ports };
}

function mkWorld(services: ServiceView[], pods: PodView[]): WorldState {
  return {
    ...emptyWorldState(),
    services: new Map(services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s])),
    pods: new Map(pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p])),
  };
}

const pod = mkPod('default', 'reviews-v1-abc', { app: 'reviews', version: 'v1' });
const world = mkWorld(
  [
    // Service port 80 → container port 9080 by name: the name carries the container port.
    mkService('default', 'reviews', { app: 'reviews' }, [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]),
    // A second Service selecting the pod, two ports; UDP is not proxied, so it gets no name.
    mkService('default', 'reviews-v1', { app: 'reviews', version: 'v1' }, [
      { name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP' },
      { name: 'admin', port: 9901, targetPort: 9901, protocol: 'TCP' },
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
    ]),
    // Does not select the pod.
    mkService('default', 'ratings', { app: 'ratings' }, [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP' }]),
    // Selects by labels the pod has, but in another namespace: never this pod's.
    mkService('other', 'reviews', { app: 'reviews' }, [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP' }]),
    // No selector (endpoints by hand): selects nothing.
    mkService('default', 'manual', undefined, [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'TCP' }]),
    // A named targetPort the pod does not have: no name.
    mkService('default', 'grpc', { app: 'reviews' }, [{ name: 'grpc', port: 7070, targetPort: 'grpc', protocol: 'TCP' }]),
  ],
  [pod, mkPod('default', 'other-sa', { app: 'reviews' }, 'intruder')],
);

describe('translate - mesh names granted from the world', () => {
  it('grants the mesh name of every port each selecting Service of the pod’s namespace targets on it', () => {
    expect(meshNamesFor(world, { namespace: 'default', serviceAccount: 'reviews', podName: 'reviews-v1-abc' })).toEqual([
      '9080.reviews-v1.default.svc.cluster.local',
      '9080.reviews.default.svc.cluster.local',
      '9901.reviews-v1.default.svc.cluster.local',
    ]);
  });

  it('grants nothing without a pod-bound token, for an unknown pod, a pod of another ServiceAccount, or before the first world', () => {
    expect(meshNamesFor(world, { namespace: 'default', serviceAccount: 'reviews' })).toEqual([]);
    expect(meshNamesFor(world, { namespace: 'default', serviceAccount: 'reviews', podName: 'gone' })).toEqual([]);
    expect(meshNamesFor(world, { namespace: 'default', serviceAccount: 'reviews', podName: 'other-sa' })).toEqual([]);
    // The same pod name in another namespace is another pod.
    expect(meshNamesFor(world, { namespace: 'other', serviceAccount: 'reviews', podName: 'reviews-v1-abc' })).toEqual([]);
    expect(meshNamesFor(undefined, { namespace: 'default', serviceAccount: 'reviews', podName: 'reviews-v1-abc' })).toEqual([]);
  });
});
