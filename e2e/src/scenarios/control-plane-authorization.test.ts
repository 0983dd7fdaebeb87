import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentIdOf, connectBus } from '@weft/bus';
import type { Bus } from '@weft/bus';
import type { ApisixRoute } from '@weft/model';
import { REPO_ROOT, startCluster, startNats, startWeftProcess, waitFor } from '../harness/index.js';
import type { Cluster, NatsServer, WeftProcess } from '../harness/index.js';
import { latestScopeContent } from './scope-content.js';

const CLUSTER = 'e2e-authz';
const NS = 'shop';
const CRD = join(REPO_ROOT, 'deploy/crds/mesh.weft.dev_meshauthorizations.yaml');
const FRONTEND = 'spiffe://cluster.local/ns/frontend/sa/web';
const PLUGIN = 'serverless-pre-function';
// The control plane re-checks a kind whose CRD is missing every 10 s; a little more for the pass that follows.
const CRD_PICKUP_MS = 25_000;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number;
}
interface Policy {
  metadata: { generation: number };
  status?: { conditions?: Condition[] };
}

const workload = (name: string, app: string) => [
  { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${name}-1`, namespace: NS, labels: { app } },
    spec: { serviceAccountName: 'default', containers: [{ name: 'app', image: 'example.invalid/app:1', ports: [{ containerPort: 8080 }] }] },
  },
];

const policy = (name: string, app: string, principals: readonly string[]) => ({
  apiVersion: 'mesh.weft.dev/v1alpha1',
  kind: 'MeshAuthorization',
  metadata: { name, namespace: NS },
  spec: { selector: { matchLabels: { app } }, rules: [{ from: { principals } }] },
});

describe('MeshAuthorization against a real kube-apiserver', () => {
  let cluster: Cluster;
  let nats: NatsServer;
  let bus: Bus;
  let cp: WeftProcess;
  const assignments = new Map<string, string>();
  const watches: { close(): Promise<void> }[] = [];

  const apply = (objects: readonly unknown[]): Promise<string> => cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  const read = async (name: string): Promise<Policy> => JSON.parse(await cluster.kubectl(['get', 'meshauthorization', name, '-n', NS, '-o', 'json'])) as Policy;
  const accepted = (p: Policy): Condition | undefined => p.status?.conditions?.find((c) => c.type === 'Accepted');

  /** Keeps the latest scope the control plane assigned to an agent. */
  const follow = (pod: string): void => {
    const agent = agentIdOf(NS, pod);
    const watch = bus.watchAssignment(agent);
    watches.push(watch);
    void (async () => {
      for await (const scope of watch) assignments.set(agent, scope);
    })();
  };
  /** The published inbound route `in.8080` of a Pod's current scope. */
  const inbound = async (pod: string): Promise<{ scope: string; route: ApisixRoute } | undefined> => {
    const scope = assignments.get(agentIdOf(NS, pod));
    if (scope === undefined) return undefined;
    const state = await latestScopeContent(bus, scope);
    const route = state?.document.resources.routes.find((r) => r.id === 'in.8080');
    return route === undefined ? undefined : { scope, route };
  };
  const check = (route: ApisixRoute): string | undefined => (route.plugins?.[PLUGIN] as { functions?: string[] } | undefined)?.functions?.[0];

  beforeAll(async () => {
    [cluster, nats] = await Promise.all([startCluster(), startNats()]);
    // The control plane's own namespace: its leader election Lease (on by default) and CA Secret live there.
    await cluster.kubectl(['create', 'namespace', 'weft-system']);
    await cluster.kubectl(['create', 'namespace', NS]);
    await cluster.kubectl(['create', 'serviceaccount', 'default', '-n', NS]);
    await apply([...workload('web', 'web'), ...workload('api', 'api')]);
    bus = await connectBus({ servers: nats.url, cluster: CLUSTER });
    // Started before the CRD exists: MeshAuthorization is an optional kind, synced empty while it is absent.
    cp = startWeftProcess({
      name: 'control-plane',
      entry: 'apps/control-plane/src/cli.ts',
      args: ['--kubeconfig', cluster.kubeconfigPath, '--nats-url', nats.url, '--cluster-id', CLUSTER, '--health-port', '0', '--health-host', '127.0.0.1'],
    });
    await cp.waitForLine('the first push', (l) => l['msg'] === 'mesh pushed', 30_000);
    follow('web-1');
    follow('api-1');
    await waitFor('assignments of both Pods', () => assignments.size === 2);
  });
  afterAll(async () => {
    await Promise.all(watches.map((w) => w.close()));
    await cp.stop();
    await bus.close();
    await Promise.all([cluster.stop(), nats.stop()]);
  });

  it('authz - the CRD installed after start is picked up: the selected Pod gets the check in its own scope, Accepted=True', async () => {
    const before = await waitFor('the plain inbound route of web-1', () => inbound('web-1'));
    expect(check(before.route)).toBeUndefined();
    // Without policies both Pods (same ports) share a scope.
    expect(before.scope).toBe(assignments.get(agentIdOf(NS, 'api-1')));

    await cluster.kubectl(['apply', '-f', CRD]);
    await cluster.kubectl(['wait', '--for=condition=Established', 'crd/meshauthorizations.mesh.weft.dev', '--timeout=30s']);
    await apply([policy('web-from-frontend', 'web', [FRONTEND])]);

    const guarded = await waitFor('the check on web-1’s inbound route', async () => {
      const now = await inbound('web-1');
      return now !== undefined && check(now.route)?.includes(FRONTEND) === true ? now : undefined;
    }, { timeoutMs: CRD_PICKUP_MS, check: () => { expect(cp.exitCode()).toBeUndefined(); } });
    expect(guarded.scope).not.toBe(before.scope);
    expect(check(guarded.route)).toContain('ssl_client_raw_cert');
    // api-1, which no policy selects, keeps its scope and its plain inbound route.
    expect(assignments.get(agentIdOf(NS, 'api-1'))).toBe(before.scope);
    expect(check((await inbound('api-1'))!.route)).toBeUndefined();

    const status = await waitFor('Accepted on web-from-frontend', async () => accepted(await read('web-from-frontend')));
    const p = await read('web-from-frontend');
    expect(status).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: p.metadata.generation });
    // The printer columns read the condition.
    const table = await cluster.kubectl(['get', 'meshauthorizations', '-n', NS]);
    expect(table).toMatch(/web-from-frontend\s+True\s+Accepted/);
  });

  it('authz - the API server refuses a plainly bad policy with the schema’s message', async () => {
    const refused = await apply([policy('not-spiffe', 'web', ['https://cluster.local/ns/a/sa/b'])]).then(
      () => undefined,
      (err: unknown) => (err as Error).message,
    );
    expect(refused).toContain('a principal is a SPIFFE ID');
    const noSource = await apply([{ ...policy('no-source', 'web', []), spec: { rules: [{ from: {} }] } }]).then(
      () => undefined,
      (err: unknown) => (err as Error).message,
    );
    expect(noSource).toContain('from needs at least one principal or namespace');
    const midWildcard = await apply([policy('mid-wildcard', 'web', ['spiffe://cluster.local/*/sa/web'])]).then(
      () => undefined,
      (err: unknown) => (err as Error).message,
    );
    expect(midWildcard).toContain('spec.rules[0].from.principals[0]');
    const badKey = await apply([{ ...policy('bad-key', 'web', [FRONTEND]), spec: { selector: { matchLabels: { 'app/': 'web' } }, rules: [] } }]).then(
      () => undefined,
      (err: unknown) => (err as Error).message,
    );
    expect(badKey).toContain('label keys are [prefix/]name');
    // None of them exists: the API server stored nothing.
    expect(await cluster.kubectl(['get', 'meshauthorizations', '-n', NS, '-o', 'name'])).not.toMatch(/not-spiffe|no-source|mid-wildcard|bad-key/);
  });

  it('authz - an invalid principal the schema lets through gets Accepted=False with the reason; other policies are unaffected', async () => {
    await apply([policy('bad-domain', 'web', ['spiffe://Cluster.Local/ns/frontend/sa/admin', FRONTEND.replace('web', 'admin')])]);
    const bad = await waitFor('Accepted=False on bad-domain', async () => {
      const c = accepted(await read('bad-domain'));
      return c?.status === 'False' ? c : undefined;
    });
    expect(bad.reason).toBe('InvalidPrincipal');
    expect(bad.message).toContain('trust domain "Cluster.Local"');
    expect(bad.observedGeneration).toBe((await read('bad-domain')).metadata.generation);
    expect(accepted(await read('web-from-frontend'))?.status).toBe('True');
    // It fails closed: web-1 is now selected by both, and only the valid policy's principal is allowed.
    const now = await waitFor('web-1 guarded by both policies', async () => {
      const r = await inbound('web-1');
      return r !== undefined && check(r.route)?.includes('shop/bad-domain') === true ? r : undefined;
    });
    expect(check(now.route)).toContain(FRONTEND);
    expect(check(now.route)).not.toContain('sa/admin');
    expect(cp.exitCode()).toBeUndefined();
  });

  it('authz - fixing the policy flips it to Accepted=True; deleting every policy returns web-1 to the plain scope', async () => {
    await apply([policy('bad-domain', 'web', [FRONTEND.replace('web', 'admin')])]);
    const fixed = await waitFor('Accepted=True on the fixed policy', async () => {
      const p = await read('bad-domain');
      const c = accepted(p);
      return c?.status === 'True' && c.observedGeneration === p.metadata.generation ? c : undefined;
    });
    expect(fixed.reason).toBe('Accepted');
    await waitFor('the admin principal allowed on web-1', async () => check((await inbound('web-1'))?.route ?? { id: '' })?.includes('sa/admin') === true);

    await cluster.kubectl(['delete', 'meshauthorization', '--all', '-n', NS]);
    const plain = await waitFor('web-1 back in the shared scope', async () => {
      const r = await inbound('web-1');
      return r !== undefined && r.scope === assignments.get(agentIdOf(NS, 'api-1')) ? r : undefined;
    });
    expect(check(plain.route)).toBeUndefined();
  });
});
