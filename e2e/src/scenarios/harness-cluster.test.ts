import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  Watch,
} from '@kubernetes/client-node';
import { startCluster, waitFor } from '../harness/index.js';
import type { Cluster } from '../harness/index.js';
import { dirGone, processGone } from './process-gone.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster.stop();
});

function uniqueNamespace(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

describe('cluster', () => {
  it('cluster - serves the pinned Kubernetes version with RBAC and the Gateway API CRDs established', async () => {
    const version = JSON.parse(await cluster.kubectl(['version', '-o', 'json'])) as {
      serverVersion: { gitVersion: string };
    };
    expect(version.serverVersion.gitVersion).toBe('v1.37.2');
    const crds = await cluster.kubectl(['get', 'crd', '-o', 'name']);
    expect(crds).toContain('httproutes.gateway.networking.k8s.io');
    expect(crds).toContain('grpcroutes.gateway.networking.k8s.io');
    expect(crds).toContain('referencegrants.gateway.networking.k8s.io');
    const apis = await cluster.kubectl(['api-versions']);
    expect(apis).toContain('rbac.authorization.k8s.io/v1');
    expect(apis).toContain('gateway.networking.k8s.io/v1');
  });

  it('cluster - a Namespace, Service, EndpointSlice and GAMMA HTTPRoute arrive through watches', async () => {
    const ns = uniqueNamespace('watch');
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const discovery = cluster.kubeConfig.makeApiClient(DiscoveryV1Api);
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const watch = new Watch(cluster.kubeConfig);
    const seen = new Set<string>();
    const aborts: AbortController[] = [];
    const watchPath = async (path: string, kind: string): Promise<void> => {
      const controller = await watch.watch(
        path,
        {},
        (type: string, obj: { metadata?: { name?: string; namespace?: string } }) => {
          if (type === 'ADDED' && (obj.metadata?.namespace ?? obj.metadata?.name) === ns) {
            seen.add(`${kind}/${obj.metadata?.name ?? ''}`);
          }
        },
        () => undefined,
      );
      aborts.push(controller);
    };
    try {
      await watchPath('/api/v1/namespaces', 'Namespace');
      await watchPath('/api/v1/services', 'Service');
      await watchPath('/apis/discovery.k8s.io/v1/endpointslices', 'EndpointSlice');
      await watchPath('/apis/gateway.networking.k8s.io/v1/httproutes', 'HTTPRoute');

      await core.createNamespace({ body: { metadata: { name: ns } } });
      await core.createNamespacedService({
        namespace: ns,
        body: {
          metadata: { name: 'reviews' },
          spec: { ports: [{ name: 'http', port: 9080, targetPort: 9080, appProtocol: 'http' }], selector: { app: 'reviews' } },
        },
      });
      await discovery.createNamespacedEndpointSlice({
        namespace: ns,
        body: {
          metadata: { name: 'reviews-abc', labels: { 'kubernetes.io/service-name': 'reviews' } },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: 9080, protocol: 'TCP' }],
          endpoints: [{ addresses: ['10.1.0.7'], conditions: { ready: true, serving: true, terminating: false } }],
        },
      });
      await custom.createNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace: ns,
        plural: 'httproutes',
        body: {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: 'reviews-canary' },
          spec: {
            parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
            rules: [{ backendRefs: [{ name: 'reviews', port: 9080, weight: 90 }] }],
          },
        },
      });
      await waitFor(
        'all four objects to arrive through their watches',
        () => seen.size === 4,
        { timeoutMs: 10_000 },
      );
      expect([...seen].sort()).toEqual([
        'EndpointSlice/reviews-abc',
        'HTTPRoute/reviews-canary',
        `Namespace/${ns}`,
        'Service/reviews',
      ]);
    } finally {
      for (const a of aborts) a.abort();
    }
  });

  it('cluster - the API server rejects an HTTPRoute that breaks the Gateway API schema', async () => {
    const ns = uniqueNamespace('schema');
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await expect(
      custom.createNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace: ns,
        plural: 'httproutes',
        body: {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: 'bad' },
          spec: { rules: [{ matches: [{ path: { type: 'NoSuchType', value: '/' } }] }] },
        },
      }),
    ).rejects.toThrow(/NoSuchType|Unsupported value/);
  });

  it('cluster - TokenReview accepts a requested token for its audience and rejects tampered or foreign ones', async () => {
    const ns = uniqueNamespace('tokens');
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const authn = cluster.kubeConfig.makeApiClient(AuthenticationV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'ratings' } } });
    const request = await core.createNamespacedServiceAccountToken({
      namespace: ns,
      name: 'ratings',
      body: { spec: { audiences: ['weft'], expirationSeconds: 3600 } },
    });
    const token = request.status?.token;
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const review = async (t: string, audiences: string[]) =>
      (await authn.createTokenReview({ body: { spec: { token: t, audiences } } })).status;

    const ok = await review(token!, ['weft']);
    expect(ok?.authenticated).toBe(true);
    expect(ok?.user?.username).toBe(`system:serviceaccount:${ns}:ratings`);
    expect(ok?.audiences).toEqual(['weft']);

    // One changed character in the signature: the signature no longer verifies.
    const [header, payload, signature] = token!.split('.') as [string, string, string];
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect((await review(`${header}.${payload}.${flipped}`, ['weft']))?.authenticated).not.toBe(true);

    // A claim changed under the original signature: rejected too.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims['sub'] = `system:serviceaccount:${ns}:admin`;
    const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
    expect((await review(`${header}.${forged}.${signature}`, ['weft']))?.authenticated).not.toBe(true);

    // The right token for another audience is not valid for this one.
    expect((await review(token!, ['not-weft']))?.authenticated).not.toBe(true);
  });

  it('cluster - RBAC denies a ServiceAccount what it was not granted', async () => {
    const ns = uniqueNamespace('rbac');
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reader' } } });
    const can = async (verb: string, resource: string): Promise<string> => {
      try {
        return (
          await cluster.kubectl(['auth', 'can-i', verb, resource, '-n', ns, `--as=system:serviceaccount:${ns}:reader`])
        ).trim();
      } catch (err) {
        return ((err as { stdout?: string }).stdout ?? '').trim();
      }
    };
    expect(await can('list', 'services')).toBe('no');
    await cluster.kubectl(['create', 'role', 'svc-reader', '-n', ns, '--verb=list,watch', '--resource=services']);
    await cluster.kubectl(['create', 'rolebinding', 'svc-reader', '-n', ns, '--role=svc-reader', `--serviceaccount=${ns}:reader`]);
    expect(await can('list', 'services')).toBe('yes');
    expect(await can('delete', 'services')).toBe('no');
  });
});

describe('cluster teardown', () => {
  it('cluster - stop() leaves no process and no temp folder behind', async () => {
    const extra = await startCluster({ gatewayApi: 'none' });
    const pids = [extra.apiserverPid, extra.etcd.pid];
    const dirs = [extra.tempDir, extra.etcd.tempDir];
    for (const pid of pids) expect(processGone(pid)).toBe(false);
    await extra.stop();
    for (const pid of pids) expect(processGone(pid)).toBe(true);
    for (const dir of dirs) expect(dirGone(dir)).toBe(true);
  });
});
