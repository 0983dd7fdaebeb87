import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectBus } from '@weft/bus';
import { REPO_ROOT, startNats, startWeftProcess, waitFor } from '../harness/index.js';

function run(args: string[]) {
  return startWeftProcess({ name: 'weftctl', entry: 'apps/weftctl/src/cli.ts', args });
}

async function finished(p: ReturnType<typeof run>): Promise<{ code: number | null | undefined; text: string }> {
  await waitFor('weftctl to exit', () => p.exitCode() !== undefined, { timeoutMs: 30_000 });
  return { code: p.exitCode(), text: p.lines.map((l) => String(l['msg'])).join('\n') };
}

describe('weftctl', () => {
  it('weftctl - status shows each agent against the latest version of its scope, like istioctl proxy-status', async () => {
    await using nats = await startNats();
    await using bus = await connectBus({ servers: nats.url, cluster: 'ctl' });
    await bus.ensureStreams();
    const publisher = bus.createPublisher();
    const v1 = await publisher.publishScope('mesh-a', { hash: 'h1', document: { resources: {}, trustBundle: [] } });
    const v2 = await publisher.publishScope('mesh-a', { hash: 'h2', document: { resources: {}, trustBundle: [] } });
    const at = new Date().toISOString();
    await bus.reportStatus({ agent: 'shop_web-1', scope: 'mesh-a', appliedVersion: v2.version, hash: 'h2', applyLatencyMs: 2, lastError: null, at });
    await bus.reportStatus({ agent: 'shop_web-2', scope: 'mesh-a', appliedVersion: v1.version, hash: 'h1', applyLatencyMs: 2, lastError: null, at });
    await bus.reportStatus({ agent: 'shop_web-3', scope: 'mesh-a', appliedVersion: v1.version, hash: 'h1', applyLatencyMs: 2, lastError: 'routes/r1 uri: missing', at });

    const result = await finished(run(['status', '--nats-url', nats.url, '--cluster-id', 'ctl']));
    // Not every agent is in sync: exit code 3, so scripts can tell.
    expect(result.code).toBe(3);
    const rows = result.text.split('\n').filter((l) => l.startsWith('shop_'));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(new RegExp(`^shop_web-1\\s+mesh-a\\s+${v2.version}\\s+${v2.version}\\s+IN-SYNC`));
    expect(rows[1]).toMatch(new RegExp(`^shop_web-2\\s+mesh-a\\s+${v1.version}\\s+${v2.version}\\s+BEHIND`));
    expect(rows[2]).toMatch(/ERROR .*routes\/r1 uri: missing$/);
  });

  it('weftctl - status names the NATS address it could not reach', async () => {
    const result = await finished(run(['status', '--nats-url', 'nats://127.0.0.1:1', '--cluster-id', 'ctl']));
    expect(result.code).toBe(1);
    expect(result.text).toMatch(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:1.*set --nats-url/);
  });

  it('weftctl - render prints the apisix.yaml one workload receives, and refuses an unknown workload clearly', async () => {
    const manifests = join(REPO_ROOT, 'examples/mesh');
    const ok = await finished(run(['render', '--manifests', manifests, '--workload', 'frontend/web-6d8f7c9b5d-r4tnk', '--format', 'yaml']));
    expect(ok.code).toBe(0);
    expect(ok.text).toContain('id: r.frontend.details-for-frontend.0.9080.0.0');
    expect(ok.text).toMatch(/#END$/m);
    // The producer namespace's workloads do not get the consumer route of `frontend`.
    const producer = await finished(run(['render', '--manifests', manifests, '--workload', 'bookinfo/productpage-v1-6b746f74dc-x7k2p', '--format', 'yaml']));
    expect(producer.text).not.toContain('details-for-frontend');
    // Short names resolve in the workload's own namespace: `details:9080` is bookinfo's only for bookinfo's workloads.
    const hostsOf = (text: string): string[] => [...text.matchAll(/^\s+- (details(?::\d+)?)$/gm)].map((m) => m[1] as string);
    expect(hostsOf(producer.text)).toContain('details:9080');
    expect(hostsOf(ok.text)).toEqual([]);
    expect(ok.text).toContain('- details.bookinfo:9080');
    const unknown = await finished(run(['render', '--manifests', manifests, '--workload', 'bookinfo/nope']));
    expect(unknown.code).toBe(1);
    expect(unknown.text).toContain('workload bookinfo/nope is not in the mesh');
  });
});
