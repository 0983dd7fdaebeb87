import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentIdOf, compareVersions, connectBus } from '@weft/bus';
import type { Bus, ScopeMessage } from '@weft/bus';
import type { ResourceDelta, SnapshotContent } from '@weft/snapshot';
import { REPO_ROOT, startNats, startWeftProcess, waitFor } from '../harness/index.js';
import type { NatsServer, WeftProcess } from '../harness/index.js';
import { latestScopeContent } from './scope-content.js';

const CLUSTER = 'e2e-cp';
const WEB = agentIdOf('frontend', 'web-6d8f7c9b5d-r4tnk');

async function next(it: AsyncIterator<ScopeMessage>, timeoutMs = 10_000): Promise<ScopeMessage> {
  const result = await Promise.race([
    it.next(),
    new Promise<never>((_, reject) => setTimeout(() => { reject(new Error(`no scope message within ${timeoutMs} ms`)); }, timeoutMs)),
  ]);
  if (result.done === true) throw new Error('subscription ended');
  return result.value;
}

function startControlPlane(nats: NatsServer, manifests: string): WeftProcess {
  return startWeftProcess({
    name: 'control-plane',
    entry: 'apps/control-plane/src/cli.ts',
    args: ['--source', 'folder', '--manifests', manifests, '--nats-url', nats.url, '--cluster-id', CLUSTER, '--health-port', '0', '--health-host', '127.0.0.1'],
  });
}

describe('control plane on a folder of manifests, publishing over a real nats-server', () => {
  let nats: NatsServer;
  let dir: string;
  let bus: Bus;
  beforeAll(async () => {
    nats = await startNats();
    dir = mkdtempSync(join(tmpdir(), 'weft-e2e-manifests-'));
    cpSync(join(REPO_ROOT, 'examples/mesh'), dir, { recursive: true });
    bus = await connectBus({ servers: nats.url, cluster: CLUSTER });
  });
  afterAll(async () => {
    await bus.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('control plane - publishes each scope, assigns workloads, and sends only the changed upstream when an EndpointSlice changes', async () => {
    await using cp = startControlPlane(nats, dir);
    const listening = await cp.waitForLine('the health server', (l) => l['msg'] === 'listening');
    await cp.waitForLine('the first push', (l) => l['msg'] === 'mesh pushed');
    const health = String(listening['health']);
    expect((await fetch(`${health}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${health}/metrics`)).text();
    expect(metrics).toMatch(/^weft_translate_duration_seconds_count\{component="control-plane"\} [1-9]/m);
    expect(metrics).toMatch(/^weft_scope_publishes_total\{result="published",component="control-plane"\} [1-9]/m);

    // The web pod's agent is assigned a scope, and that scope holds the consumer route only `frontend` sees.
    const watch = bus.watchAssignment(WEB);
    const scope = (await watch[Symbol.asyncIterator]().next()).value as string;
    await watch.close();
    await using sub = bus.subscribeScope(scope);
    const messages = sub[Symbol.asyncIterator]();
    const first = await next(messages);
    expect(first.type).toBe('full');
    const content = (first as { document: SnapshotContent }).document;
    expect(content.resources.routes.map((r) => r.id)).toContain('r.frontend.details-for-frontend.0.9080.0.0');
    const reviews = content.resources.upstreams.find((u) => u.id === 'u.bookinfo.reviews.9080');
    expect(reviews?.nodes.map((n) => n.host).sort()).toEqual(['10.244.2.20', '10.244.2.21', '10.244.2.22', '10.244.2.23']);

    // One endpoint leaves the `reviews` slice (the first slice that lists it): the next version is a delta with
    // that one upstream and nothing else.
    const slices = join(dir, 'endpointslices.yaml');
    writeFileSync(slices, readFileSync(slices, 'utf8').replace(/- addresses: \["10\.244\.2\.21"\][^\n]*\n[^\n]*\n[^\n]*\n/, ''));
    const second = await next(messages);
    expect(second.type).toBe('delta');
    expect(compareVersions(second.type === 'delta' ? second.meta.version : '0', first.type === 'full' ? first.meta.version : '0')).toBeGreaterThan(0);
    const delta = (second as { document: ResourceDelta }).document;
    expect(Object.keys(delta.changes)).toEqual(['upstreams']);
    expect(delta.changes.upstreams?.deleted).toEqual([]);
    expect(delta.changes.upstreams?.upserted.map((u) => [u.id, u.nodes.map((n) => n.host)])).toEqual([
      ['u.bookinfo.reviews.9080', ['10.244.2.20', '10.244.2.22', '10.244.2.23']],
    ]);
    expect(delta.trustBundle).toBeUndefined();
  });

  it('control plane - killed and restarted, it publishes versions that keep growing and never reuses one', async () => {
    const cp = startControlPlane(nats, dir);
    await cp.waitForLine('the first push', (l) => l['msg'] === 'mesh pushed');
    const watch = bus.watchAssignment(WEB);
    const scope = (await watch[Symbol.asyncIterator]().next()).value as string;
    await watch.close();
    const before = await latestScopeContent(bus, scope);
    await cp.kill();

    const routes = join(dir, 'routes.yaml');
    writeFileSync(routes, readFileSync(routes, 'utf8').replace('weight: 90', 'weight: 75').replace('weight: 10', 'weight: 25'));
    await using restarted = startControlPlane(nats, dir);
    await restarted.waitForLine('a push after the restart', (l) => l['msg'] === 'mesh pushed');
    const after = await waitFor('the new version of the scope', async () => {
      const full = await latestScopeContent(bus, scope);
      return full !== undefined && full.meta.hash !== before?.meta.hash ? full : undefined;
    });
    expect(compareVersions(after.meta.version, before?.meta.version ?? '0')).toBeGreaterThan(0);
    const route = after.document.resources.routes.find((r) => r.id === 'r.bookinfo.reviews.0.9080.1.0');
    expect(JSON.stringify(route?.plugins)).toContain('"weight":75');
  });

  it('control plane - a manifest that stops parsing keeps the last good config and the control plane keeps running', async () => {
    await using cp = startControlPlane(nats, dir);
    await cp.waitForLine('the first push', (l) => l['msg'] === 'mesh pushed');
    writeFileSync(join(dir, 'routes.yaml'), 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: [broken\n');
    await cp.waitForLine('the parse problem', (l) => l['msg'] === 'manifest file does not parse; keeping its last good objects');
    writeFileSync(join(dir, 'extra.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\n  namespace: bookinfo\nspec:\n  clusterIP: 10.96.10.99\n  ports:\n  - port: 80\n');
    await cp.waitForLine('a push with the new Service', (l) => l['msg'] === 'mesh pushed' && Number(l['diagnostics']) > 0 && Number(l['published']) > 0);
    expect(cp.exitCode()).toBeUndefined();
  });
});
