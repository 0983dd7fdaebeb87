import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, startCluster, startNats, startWeftProcess, waitFor } from '../harness/index.js';
import type { Cluster, NatsServer, WeftProcess } from '../harness/index.js';

/**
 * A control plane whose API server is gone (the control-plane network lost, the API server restarted during a rollout)
 * must still stop promptly on SIGTERM: its shutdown releases the Lease and stops the watches, which talk to the API
 * server, and must not wait for it, or every rollout in that state costs the whole grace period and ends in SIGKILL.
 */
describe('control plane shutdown without its API server', () => {
  let cluster: Cluster | undefined;
  let nats: NatsServer | undefined;
  let cp: WeftProcess | undefined;

  afterEach(async () => {
    await cp?.kill();
    await nats?.stop();
    await cluster?.stop();
  });

  async function start(): Promise<{ cluster: Cluster; cp: WeftProcess; health: string }> {
    const [c, n] = await Promise.all([startCluster(), startNats()]);
    cluster = c;
    nats = n;
    await c.kubectl(['create', 'namespace', 'weft-system']);
    await c.kubectl(['apply', '-f', join(REPO_ROOT, 'examples/mesh/namespaces.yaml')]);
    const process = startWeftProcess({
      name: 'control-plane',
      entry: 'apps/control-plane/src/cli.ts',
      args: ['--kubeconfig', c.kubeconfigPath, '--nats-url', n.url, '--cluster-id', 'e2e-shutdown', '--health-port', '0', '--health-host', '127.0.0.1', '--ca-listen', '127.0.0.1:0'],
      env: { POD_NAME: 'weft-control-plane-0', POD_NAMESPACE: 'weft-system' },
    });
    cp = process;
    const listening = await process.waitForLine('the health server', (l) => l['msg'] === 'listening', 60_000);
    return { cluster: c, cp: process, health: String(listening['health']) };
  }

  async function stopsOnSigterm(process: WeftProcess): Promise<number> {
    const sentAt = performance.now();
    process.signal('SIGTERM');
    await waitFor('the control plane to exit', () => process.exitCode() !== undefined, { timeoutMs: 30_000 });
    expect(process.exitCode()).toBe(0);
    expect(process.lines.some((l) => l['msg'] === 'stopping')).toBe(true);
    return performance.now() - sentAt;
  }

  it('as the leader (holding a Lease it cannot release), publishing and serving certificates', async () => {
    const { cluster: c, cp: process, health } = await start();
    await waitFor('the control plane ready', async () => (await fetch(`${health}/readyz`)).status === 200, { timeoutMs: 120_000 });
    await process.waitForLine('the Lease taken', (l) => l['msg'] === 'started leading: publishing and writing route status', 60_000);
    await process.waitForLine('the certificate service', (l) => l['msg'] === 'certificate service listening', 60_000);
    await c.stop();
    expect(await stopsOnSigterm(process)).toBeLessThan(5_000);
  }, 300_000);

  it('before it was ever ready (its watches, election and CA loading all retrying)', async () => {
    const { cluster: c, cp: process } = await start();
    await c.stop();
    await process.waitForLine('a retry against the missing API server', (l) => l['level'] === 40 || l['level'] === 'warn', 60_000);
    expect(await stopsOnSigterm(process)).toBeLessThan(5_000);
  }, 300_000);
});
