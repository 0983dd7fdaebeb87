import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVersions, connectBus } from '@weft/bus';
import type { Bus } from '@weft/bus';
import type { Lease } from '@weft/k8s';
import { REPO_ROOT, startCluster, startNats, startWeftProcess, waitFor } from '../harness/index.js';
import type { Cluster, NatsServer, WeftProcess } from '../harness/index.js';
import { latestScopeContent } from './scope-content.js';

// Two control-plane replicas with the default leader election (12 s lease, 8 s renew deadline, 2 s retry).
const CLUSTER = 'e2e-ha';
const CONTROLLER = 'weft.dev/mesh-controller';
const LEASE_NAMESPACE = 'weft-system';
const LEASE_MS = 12_000;
/** The target: a killed leader is replaced and the next change published within 15 s. */
const HANDOVER_TARGET_MS = 15_000;
/**
 * A lease cannot be taken over before it has gone unrenewed for its duration: a kill right after a renewal hands
 * over just after 12 s, plus one read and update of the Lease and one publish pass.
 */
const FRONTEND_AGENT = 'frontend_web-6d8f7c9b5d-r4tnk';

interface Replica {
  readonly name: string;
  readonly process: WeftProcess;
  readonly health: string;
}

interface RouteStatus {
  metadata: { generation: number };
  status?: { parents?: { controllerName: string; conditions: { type: string; observedGeneration: number }[] }[] };
}

describe('two control-plane replicas with Lease leader election', () => {
  let cluster: Cluster;
  let nats: NatsServer;
  let bus: Bus;
  let scope: string;
  const replicas: Replica[] = [];

  async function startReplica(name: string): Promise<Replica> {
    const process = startWeftProcess({
      name,
      entry: 'apps/control-plane/src/cli.ts',
      args: ['--kubeconfig', cluster.kubeconfigPath, '--nats-url', nats.url, '--cluster-id', CLUSTER, '--health-port', '0', '--health-host', '127.0.0.1'],
      env: { POD_NAME: name, POD_NAMESPACE: LEASE_NAMESPACE },
    });
    const listening = await process.waitForLine('the health server', (l) => l['msg'] === 'listening', 30_000);
    const replica = { name, process, health: String(listening['health']) };
    replicas.push(replica);
    return replica;
  }

  const debugMesh = async (r: Replica): Promise<{ leadership: { role: string; election?: { leader?: string } } }> =>
    (await fetch(`${r.health}/debug/mesh`)).json() as Promise<{ leadership: { role: string; election?: { leader?: string } } }>;
  const leaderGauge = async (r: Replica): Promise<string | undefined> =>
    /^weft_leader(?:\{[^}]*\})? (\d)$/m.exec(await (await fetch(`${r.health}/metrics`)).text())?.[1];
  const lease = async (): Promise<Lease> =>
    JSON.parse(await cluster.kubectl(['get', 'lease', 'weft-control-plane', '-n', LEASE_NAMESPACE, '-o', 'json'])) as Lease;
  const headVersion = async (): Promise<string | undefined> => (await latestScopeContent(bus, scope))?.meta.version;
  const route = async (): Promise<RouteStatus> => JSON.parse(await cluster.kubectl(['get', 'httproute', 'reviews', '-n', 'bookinfo', '-o', 'json'])) as RouteStatus;
  const setReviewsSplit = (v1: number, v2: number): Promise<string> =>
    cluster.kubectl(['patch', 'httproute', 'reviews', '-n', 'bookinfo', '--type=json', '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/rules/1/backendRefs/0/weight', value: v1 }, { op: 'replace', path: '/spec/rules/1/backendRefs/1/weight', value: v2 }])]);
  const publishedLines = (r: Replica) => r.process.lines.filter((l) => l['msg'] === 'mesh pushed');
  const leaderOf = async (): Promise<[Replica, Replica] | undefined> => {
    const [a, b] = replicas.slice(-2) as [Replica, Replica];
    const [ra, rb] = await Promise.all([debugMesh(a), debugMesh(b)]);
    if (ra.leadership.role === 'leader' && rb.leadership.role === 'follower') return [a, b];
    if (rb.leadership.role === 'leader' && ra.leadership.role === 'follower') return [b, a];
    return undefined;
  };

  beforeAll(async () => {
    [cluster, nats] = await Promise.all([startCluster(), startNats()]);
    const mesh = join(REPO_ROOT, 'examples/mesh');
    await cluster.kubectl(['create', 'namespace', LEASE_NAMESPACE]);
    await cluster.kubectl(['apply', '-f', join(mesh, 'namespaces.yaml')]);
    for (const [ns, sa] of [['bookinfo', 'bookinfo-productpage'], ['bookinfo', 'bookinfo-details'], ['bookinfo', 'bookinfo-ratings'], ['bookinfo', 'bookinfo-reviews'], ['frontend', 'web']]) {
      await cluster.kubectl(['create', 'serviceaccount', sa!, '-n', ns!]);
    }
    for (const file of ['services.yaml', 'endpointslices.yaml', 'pods.yaml', 'routes.yaml']) await cluster.kubectl(['apply', '-f', join(mesh, file)]);
    bus = await connectBus({ servers: nats.url, cluster: CLUSTER });
    await Promise.all([startReplica('cp-a'), startReplica('cp-b')]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.process.stop()));
    await bus.close();
    await Promise.all([cluster.stop(), nats.stop()]);
  });

  it('control plane HA - exactly one replica leads and publishes; the follower translates, stays ready, and shows its role', async () => {
    const [leader, follower] = await waitFor('one leader and one follower', leaderOf, { timeoutMs: 30_000 });
    await follower.process.waitForLine('a translation on the follower', (l) => l['msg'] === 'mesh translated; not the leader, nothing published', 30_000);
    await leader.process.waitForLine('a publish by the leader', (l) => l['msg'] === 'mesh pushed', 30_000);
    const watch = bus.watchAssignment(FRONTEND_AGENT);
    scope = (await watch[Symbol.asyncIterator]().next()).value as string;
    await watch.close();

    expect((await lease()).spec?.holderIdentity).toBe(leader.name);
    expect(publishedLines(follower)).toEqual([]);
    expect(follower.process.lines.some((l) => l['msg'] === 'new leader observed' && l['leader'] === leader.name)).toBe(true);
    expect((await debugMesh(follower)).leadership.election?.leader).toBe(leader.name);
    expect([await leaderGauge(leader), await leaderGauge(follower)]).toEqual(['1', '0']);
    // Followers serve certificates and the webhook, so they report ready.
    expect((await fetch(`${follower.health}/readyz`)).status).toBe(200);
    expect((await fetch(`${leader.health}/readyz`)).status).toBe(200);

    // A change is published once, by the leader only; the follower translates it too.
    const translatedLines = () => follower.process.lines.filter((l) => l['msg'] === 'mesh translated; not the leader, nothing published').length;
    const translatedBefore = translatedLines();
    const before = await headVersion();
    await setReviewsSplit(60, 40);
    const after = await waitFor('the change published', async () => {
      const v = await headVersion();
      return v !== undefined && v !== before ? v : undefined;
    });
    expect(compareVersions(after, before ?? '0')).toBeGreaterThan(0);
    await waitFor('the follower translated the change too', () => translatedLines() > translatedBefore);
    expect(publishedLines(follower)).toEqual([]);
  });

  it(`control plane HA - SIGKILL of the leader: the follower publishes within ${HANDOVER_TARGET_MS / 1000} s, versions keep increasing, it writes route status`, async () => {
    const [leader, follower] = await waitFor('one leader and one follower', leaderOf);
    const versionBefore = await waitFor('a published version', headVersion);
    const generationBefore = (await route()).metadata.generation;

    const killedAt = performance.now();
    await leader.process.kill();
    // A change made while nobody leads: the follower translates it at once and publishes it when it takes over.
    await setReviewsSplit(30, 70);
    const versionAfter = await waitFor('the change published by the new leader', async () => {
      const v = await headVersion();
      return v !== undefined && compareVersions(v, versionBefore) > 0 ? v : undefined;
    }, { timeoutMs: LEASE_MS + 10_000, intervalMs: 20 });
    const handoverMs = performance.now() - killedAt;
    const started = await follower.process.waitForLine('started leading', (l) => l['msg'] === 'started leading: publishing and writing route status');
    const startedMs = Date.parse(String(started['time'])) - (Date.now() - (performance.now() - killedAt));
    console.log(`control plane HA: SIGKILL → new leader ${startedMs.toFixed(0)} ms, → change published (version ${versionBefore} → ${versionAfter}) ${handoverMs.toFixed(0)} ms (lease ${LEASE_MS} ms)`);

    expect(handoverMs).toBeLessThanOrEqual(HANDOVER_TARGET_MS);
    // Not earlier than the lease allows: it went unrenewed for its duration, less the time since its last renewal (≤ 2 s retry).
    expect(handoverMs).toBeGreaterThanOrEqual(LEASE_MS - 2_500);
    expect(compareVersions(versionAfter, versionBefore)).toBeGreaterThan(0);
    const full = await latestScopeContent(bus, scope);
    expect(JSON.stringify(full?.document)).toContain('"weight":70');

    const taken = await lease();
    expect(taken.spec?.holderIdentity).toBe(follower.name);
    expect(taken.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
    expect(await leaderGauge(follower)).toBe('1');
    expect(await (await fetch(`${follower.health}/metrics`)).text()).toMatch(/^weft_leader_transitions_total\{transition="started_leading"[^}]*\} 1$/m);
    expect((await debugMesh(follower)).leadership.role).toBe('leader');

    // Route status for the new generation can only come from the new leader (the old one is dead).
    const reviews = await waitFor('status for the new generation', async () => {
      const r = await route();
      const ours = r.status?.parents?.find((p) => p.controllerName === CONTROLLER);
      return r.metadata.generation > generationBefore && ours?.conditions.every((c) => c.observedGeneration === r.metadata.generation) === true ? r : undefined;
    });
    expect(reviews.metadata.generation).toBe(generationBefore + 1);

    // And the next change gets a still higher version.
    await setReviewsSplit(50, 50);
    const next = await waitFor('a later version', async () => {
      const v = await headVersion();
      return v !== undefined && compareVersions(v, versionAfter) > 0 ? v : undefined;
    });
    expect(compareVersions(next, versionAfter)).toBeGreaterThan(0);
  }, 60_000);

  it('control plane HA - SIGTERM of the leader releases the lease: the restarted replica takes over at once', async () => {
    const [leader] = await waitFor('the surviving leader', async () => {
      const alive = replicas.filter((r) => r.process.exitCode() === undefined);
      return alive.length === 1 && (await debugMesh(alive[0]!)).leadership.role === 'leader' ? alive : undefined;
    });
    const dead = replicas.find((r) => r.process.exitCode() !== undefined)!;
    const restarted = await startReplica(dead.name);
    await restarted.process.waitForLine('the restarted replica follows', (l) => l['msg'] === 'new leader observed' && l['leader'] === leader!.name, 30_000);
    await restarted.process.waitForLine('a translation on the follower', (l) => l['msg'] === 'mesh translated; not the leader, nothing published', 30_000);
    const versionBefore = await waitFor('a published version', headVersion);

    const stoppedAt = performance.now();
    await leader!.process.stop();
    expect(leader!.process.exitCode()).toBe(0);
    expect(leader!.process.lines.some((l) => l['msg'] === 'stopped leading: no more publishing or status writes' && l['reason'] === 'stopped')).toBe(true);
    await restarted.process.waitForLine('started leading', (l) => l['msg'] === 'started leading: publishing and writing route status', LEASE_MS);
    const handoverMs = performance.now() - stoppedAt;
    console.log(`control plane HA: SIGTERM → new leader ${handoverMs.toFixed(0)} ms (including the old leader's shutdown)`);
    expect(handoverMs).toBeLessThan(5_000);

    await setReviewsSplit(90, 10);
    const v = await waitFor('a change published by the new leader', async () => {
      const head = await headVersion();
      return head !== undefined && compareVersions(head, versionBefore) > 0 ? head : undefined;
    });
    expect(compareVersions(v, versionBefore)).toBeGreaterThan(0);
    expect((await lease()).spec?.holderIdentity).toBe(restarted.name);
  }, 60_000);
});
