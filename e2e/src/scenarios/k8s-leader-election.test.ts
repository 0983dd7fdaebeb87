import { randomBytes } from 'node:crypto';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp, LeaderElectionConfigError, LeaderElector, LeaseForbiddenError, LeaseNamespaceMissingError } from '@weft/k8s';
import type { Lease, LeaderElectorOptions, StepDownReason } from '@weft/k8s';
import { createLogger } from '@weft/telemetry';
import { startCluster, waitFor } from '../harness/index.js';
import type { Cluster } from '../harness/index.js';

// Short durations keep the file quick; the two-process scenario checks the 15 s defaults.
const LEASE_MS = 3_000;
const RENEW_DEADLINE_MS = 2_000;
const RETRY_MS = 500;
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

const log = createLogger({ component: 'e2e', level: 'silent' });
let cluster: Cluster;
const running: LeaderElector[] = [];

beforeAll(async () => {
  cluster = await startCluster({ gatewayApi: 'none' });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});
afterAll(async () => {
  await cluster.stop();
});

/** One elector and what it reported, each with the monotonic time it happened. */
interface Candidate {
  readonly elector: LeaderElector;
  readonly started: number[];
  readonly stopped: { readonly reason: StepDownReason; readonly at: number }[];
  readonly leaders: (string | undefined)[];
  readonly errors: Error[];
}

function candidate(http: KubeHttp, namespace: string, name: string, identity: string, extra: Partial<LeaderElectorOptions> = {}): Candidate {
  const started: number[] = [];
  const stopped: Candidate['stopped'][number][] = [];
  const leaders: (string | undefined)[] = [];
  const errors: Error[] = [];
  const elector = new LeaderElector(http, {
    namespace,
    name,
    identity,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_DEADLINE_MS,
    retryPeriodMs: RETRY_MS,
    log,
    callbacks: {
      onStartedLeading: () => started.push(performance.now()),
      onStoppedLeading: (reason) => {
        stopped.push({ reason, at: performance.now() });
      },
      onNewLeader: (id) => leaders.push(id),
      onError: (err) => errors.push(err),
    },
    ...extra,
  });
  running.push(elector);
  return { elector, started, stopped, leaders, errors };
}

async function namespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${randomBytes(4).toString('hex')}`;
  await cluster.kubectl(['create', 'namespace', ns]);
  return ns;
}

async function readLease(ns: string, name: string): Promise<Lease> {
  return JSON.parse(await cluster.kubectl(['get', 'lease', name, '-n', ns, '-o', 'json'])) as Lease;
}

/** A kubeconfig for a ServiceAccount (a real token from the TokenRequest API), to run under its RBAC. */
async function serviceAccountHttp(ns: string, sa: string): Promise<KubeHttp> {
  await cluster.kubectl(['create', 'serviceaccount', sa, '-n', ns]);
  const token = (await cluster.kubectl(['create', 'token', sa, '-n', ns])).trim();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'e2e', server: cluster.server, caData: Buffer.from(cluster.certificates.ca.certPem).toString('base64') }],
    users: [{ name: sa, token }],
    contexts: [{ name: 'e2e', cluster: 'e2e', user: sa }],
    currentContext: 'e2e',
  });
  return new KubeHttp(kc);
}

/**
 * A TCP relay in front of the API server that can be cut like a network partition: open connections are dropped
 * and new ones are accepted but go nowhere, so requests hang until their timeout.
 */
async function startPartitionableLink(target: URL): Promise<{ http: KubeHttp; cut(): void; close(): Promise<void> }> {
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (cut) return; // a black hole
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const current = kc.getCurrentCluster();
  if (current === null) throw new Error('no cluster in the kubeconfig');
  kc.clusters = kc.clusters.map((c) => (c.name === current.name ? { ...c, server: `https://127.0.0.1:${address.port}` } : c));
  return {
    http: new KubeHttp(kc),
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe('Lease leader election against a real API server', () => {
  it('leader election - two electors compete for an absent lease: exactly one leads and the other sees it', async () => {
    const ns = await namespace('elect');
    const http = new KubeHttp(cluster.kubeConfig);
    const a = candidate(http, ns, 'cp', 'replica-a');
    const b = candidate(http, ns, 'cp', 'replica-b');
    a.elector.start();
    b.elector.start();
    const [leader, follower] = await waitFor('a leader', () =>
      a.elector.isLeader() ? [a, b] : b.elector.isLeader() ? [b, a] : undefined,
    );
    const first = await readLease(ns, 'cp');
    expect(first.spec?.holderIdentity).toBe(leader.elector.identity);
    expect(first.spec).toMatchObject({ leaseDurationSeconds: 3, leaseTransitions: 0 });
    expect(first.spec?.acquireTime).toMatch(MICRO_TIME);
    expect(first.spec?.renewTime).toMatch(MICRO_TIME);
    // Over several renewals: never two leaders, the follower knows who leads, the lease keeps being renewed.
    let renewals = 0;
    let lastRenew = first.spec?.renewTime;
    await waitFor('three renewals', async () => {
      expect(a.elector.isLeader() && b.elector.isLeader()).toBe(false);
      const lease = await readLease(ns, 'cp');
      if (lease.spec?.renewTime !== lastRenew) {
        renewals++;
        lastRenew = lease.spec?.renewTime;
      }
      return renewals >= 3;
    }, { timeoutMs: 10_000 });
    expect(leader.elector.isLeader()).toBe(true);
    expect(follower.elector.isLeader()).toBe(false);
    expect(follower.started).toEqual([]);
    expect(follower.elector.leader).toBe(leader.elector.identity);
    expect(follower.leaders).toContain(leader.elector.identity);
    expect((await readLease(ns, 'cp')).spec?.acquireTime).toBe(first.spec?.acquireTime);
    expect(leader.errors).toEqual([]);
  });

  it('leader election - a leader cut off from the API server steps down before its lease expires, then the other takes over', async () => {
    const ns = await namespace('expire');
    const link = await startPartitionableLink(new URL(cluster.server));
    try {
      const a = candidate(link.http, ns, 'cp', 'replica-a');
      a.elector.start();
      await waitFor('a leads', () => a.elector.isLeader());
      const b = candidate(new KubeHttp(cluster.kubeConfig), ns, 'cp', 'replica-b');
      b.elector.start();
      await waitFor('b sees a', () => b.elector.leader === 'replica-a');
      const before = await readLease(ns, 'cp');
      const cutAt = performance.now();
      link.cut();
      await waitFor('b leads', () => b.elector.isLeader(), { timeoutMs: 10_000 });
      const takeoverMs = (b.started[0] ?? 0) - cutAt;
      // a stepped down on its own clock (renew deadline) strictly before b took over.
      expect(a.stopped).toEqual([{ reason: 'renew-deadline', at: expect.any(Number) as number }]);
      expect(a.stopped[0]!.at - cutAt).toBeLessThanOrEqual(RENEW_DEADLINE_MS + 100);
      expect(a.stopped[0]!.at).toBeLessThan(b.started[0]!);
      // b waited for the lease duration since it last saw a renewal, and not much longer.
      expect(takeoverMs).toBeGreaterThanOrEqual(LEASE_MS - RETRY_MS - 100);
      expect(takeoverMs).toBeLessThanOrEqual(LEASE_MS + 500);
      const after = await readLease(ns, 'cp');
      expect(after.spec?.holderIdentity).toBe('replica-b');
      expect(after.spec?.leaseTransitions).toBe((before.spec?.leaseTransitions ?? 0) + 1);
      expect(after.spec?.acquireTime).not.toBe(before.spec?.acquireTime);
      expect(a.elector.isLeader()).toBe(false);
    } finally {
      await link.close();
    }
  });

  it('leader election - stop() steps down first, then releases the lease so the other leads at once', async () => {
    const ns = await namespace('release');
    const http = new KubeHttp(cluster.kubeConfig);
    let holderWhenStepping: string | undefined;
    const a = candidate(http, ns, 'cp', 'replica-a', {
      callbacks: {
        onStartedLeading: () => undefined,
        // The guarded work ends before the lease is handed back: at this point a still holds it.
        onStoppedLeading: async () => {
          holderWhenStepping = (await readLease(ns, 'cp')).spec?.holderIdentity;
        },
      },
    });
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader());
    const b = candidate(http, ns, 'cp', 'replica-b');
    b.elector.start();
    await waitFor('b sees a', () => b.elector.leader === 'replica-a');
    const stoppedAt = performance.now();
    await a.elector.stop();
    expect(holderWhenStepping).toBe('replica-a');
    expect(a.elector.isLeader()).toBe(false);
    await waitFor('b leads', () => b.elector.isLeader(), { timeoutMs: LEASE_MS });
    const handoverMs = (b.started[0] ?? 0) - stoppedAt;
    // Far less than the lease duration: b saw the release through its watch.
    expect(handoverMs).toBeLessThan(1_000);
    const lease = await readLease(ns, 'cp');
    expect(lease.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1, leaseDurationSeconds: 3 });
  });

  it('leader election - a 409 on renewal (the lease changed underneath) is re-read and the leader keeps leading', async () => {
    const ns = await namespace('conflict');
    const a = candidate(new KubeHttp(cluster.kubeConfig), ns, 'cp', 'replica-a');
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader());
    expect(a.elector.state.conflicts).toBe(0);
    // Another client changes the object (not the record): a's next optimistic renewal carries a stale resourceVersion.
    await cluster.kubectl(['annotate', 'lease', 'cp', '-n', ns, 'example.com/touched=yes']);
    const touched = await readLease(ns, 'cp');
    await waitFor('a renewal after the conflict', async () => {
      const lease = await readLease(ns, 'cp');
      return a.elector.state.conflicts >= 1 && lease.spec?.renewTime !== touched.spec?.renewTime ? lease : undefined;
    });
    const lease = await readLease(ns, 'cp');
    expect(lease.spec?.holderIdentity).toBe('replica-a');
    expect(lease.metadata?.annotations?.['example.com/touched']).toBe('yes');
    expect(a.elector.isLeader()).toBe(true);
    expect(a.stopped).toEqual([]);
    expect(a.errors).toEqual([]);
  });

  it('leader election - a lease another party took is respected: the leader steps down and nobody takes it before it expires', async () => {
    const ns = await namespace('respect');
    const http = new KubeHttp(cluster.kubeConfig);
    const a = candidate(http, ns, 'cp', 'replica-a');
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader());
    const b = candidate(http, ns, 'cp', 'replica-b');
    b.elector.start();
    await waitFor('b sees a', () => b.elector.leader === 'replica-a');
    // An operator (or another tool) hands the lease to someone else, with a 3 s lease.
    const lease = await readLease(ns, 'cp');
    const editedAt = performance.now();
    await cluster.kubectl(['replace', '-f', '-'], JSON.stringify({ ...lease, spec: { ...lease.spec, holderIdentity: 'maintenance', renewTime: new Date().toISOString().replace('Z', '000Z') } }));
    await waitFor('a steps down', () => a.stopped.length > 0, { timeoutMs: 2_000 });
    expect(a.stopped[0]?.reason).toBe('lost');
    expect(a.stopped[0]!.at - editedAt).toBeLessThan(1_000);
    expect(a.elector.leader).toBe('maintenance');
    const next = await waitFor('a new leader after the edited lease expired', () =>
      a.elector.isLeader() ? a : b.elector.isLeader() ? b : undefined,
    { timeoutMs: 10_000 });
    const takeoverMs = (next.started.at(-1) ?? 0) - editedAt;
    expect(takeoverMs).toBeGreaterThanOrEqual(LEASE_MS - 100);
    expect((await readLease(ns, 'cp')).spec?.leaseTransitions).toBe((lease.spec?.leaseTransitions ?? 0) + 1);
  });

  it('leader election - a replica restarted with the same identity resumes its own lease at once, keeping acquireTime and transitions', async () => {
    const ns = await namespace('resume');
    const http = new KubeHttp(cluster.kubeConfig);
    const first = candidate(http, ns, 'cp', 'replica-a', { releaseOnStop: false });
    first.elector.start();
    await waitFor('a leads', () => first.elector.isLeader());
    await first.elector.stop();
    const held = await readLease(ns, 'cp');
    expect(held.spec?.holderIdentity).toBe('replica-a'); // not released
    const restartedAt = performance.now();
    const again = candidate(http, ns, 'cp', 'replica-a');
    again.elector.start();
    await waitFor('a leads again', () => again.elector.isLeader(), { timeoutMs: 2_000 });
    expect(again.started[0]! - restartedAt).toBeLessThan(1_000);
    const lease = await readLease(ns, 'cp');
    expect(lease.spec?.acquireTime).toBe(held.spec?.acquireTime);
    expect(lease.spec?.leaseTransitions).toBe(held.spec?.leaseTransitions);
  });

  it('leader election - RBAC: a forbidden identity gets an error naming the verb, the resource and the Role to grant', async () => {
    const ns = await namespace('rbac');
    const none = candidate(await serviceAccountHttp(ns, 'no-rights'), ns, 'cp', 'replica-a');
    none.elector.start();
    const denied = await waitFor('a forbidden error', () => none.errors.find((e) => e instanceof LeaseForbiddenError && e.verb === 'get'));
    expect(denied.message).toContain(`forbids "get" on leases.coordination.k8s.io "cp" in namespace "${ns}"`);
    expect(denied.message).toContain('system:serviceaccount');
    expect(denied.message).toMatch(/get, create,\s+update and watch on leases/);
    expect(denied.message).toContain('--leader-elect=false');
    expect(none.elector.isLeader()).toBe(false);

    // Read-only: create is refused, named as such.
    await cluster.kubectl(['create', 'role', 'lease-reader', '-n', ns, '--verb=get', '--resource=leases.coordination.k8s.io']);
    const reader = candidate(await serviceAccountHttp(ns, 'reader'), ns, 'cp', 'replica-r');
    await cluster.kubectl(['create', 'rolebinding', 'lease-reader', '-n', ns, '--role=lease-reader', `--serviceaccount=${ns}:reader`]);
    reader.elector.start();
    const refused = await waitFor('a forbidden create', () => reader.errors.find((e) => e instanceof LeaseForbiddenError && e.verb === 'create'));
    expect(refused.message).toContain('forbids "create"');

    // The rights the chart grants: create, and get/update/watch of this one Lease by name. Watching works too.
    await cluster.kubectl(['create', 'role', 'lease-creator', '-n', ns, '--verb=create', '--resource=leases.coordination.k8s.io']);
    await cluster.kubectl(['create', 'role', 'lease-holder', '-n', ns, '--verb=get,update,watch', '--resource=leases.coordination.k8s.io', '--resource-name=cp']);
    for (const role of ['lease-creator', 'lease-holder']) {
      await cluster.kubectl(['create', 'rolebinding', role, '-n', ns, `--role=${role}`, `--serviceaccount=${ns}:holder`]);
    }
    const holder = candidate(await serviceAccountHttp(ns, 'holder'), ns, 'cp', 'replica-h');
    holder.elector.start();
    await waitFor('the least-privileged replica leads and watches', () => holder.elector.isLeader() && holder.elector.state.watching, { timeoutMs: 5_000 });
    expect(holder.errors).toEqual([]);
  });

  it('leader election - a missing namespace and impossible durations are reported clearly', async () => {
    const http = new KubeHttp(cluster.kubeConfig);
    const lost = candidate(http, 'no-such-namespace', 'cp', 'replica-a');
    lost.elector.start();
    const missing = await waitFor('a missing-namespace error', () => lost.errors.find((e) => e instanceof LeaseNamespaceMissingError));
    expect(missing.message).toContain('namespace "no-such-namespace" does not exist');
    expect(missing.message).toContain('--leader-elect-resource-namespace');
    const make = (extra: Partial<LeaderElectorOptions>) => () => new LeaderElector(http, { namespace: 'x', name: 'cp', identity: 'a', log, callbacks: { onStartedLeading: () => undefined, onStoppedLeading: () => undefined }, ...extra });
    expect(make({ renewDeadlineMs: 15_000 })).toThrow(LeaderElectionConfigError);
    expect(make({ renewDeadlineMs: 15_000 })).toThrow(/lease duration \(15000 ms\) must be longer than the renew deadline \(15000 ms\)/);
    expect(make({ leaseDurationMs: 2_500, renewDeadlineMs: 2_000, retryPeriodMs: 500 })).toThrow(/whole number of seconds/);
    expect(make({ retryPeriodMs: 9_000 })).toThrow(/renew deadline \(10000 ms\) must be longer than 1.2 × the retry period \(9000 ms\)/);
    expect(make({ identity: ' ' })).toThrow(/identity must not be empty/);
  });
});
