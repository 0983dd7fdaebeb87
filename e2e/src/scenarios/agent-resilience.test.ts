import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentIdOf, connectBus } from '@weft/bus';
import { startNats, waitFor } from '../harness/index.js';
import { etcdRoutes, metric, publishContent, readyz, scopeContent, startAgent } from './agent-process.js';
import { processGone } from './process-gone.js';

describe('agent resilience', () => {
  it('agent - keeps serving while nats-server is down, then catches up from its version with deltas', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1', reconnectWaitMs: 100, timeoutMs: 1_000 });
    await cp.ensureStreams();
    const publisher = cp.createPublisher();
    await cp.publishAssignment(agentIdOf('shop', 'web-1'), 'ns-shop');
    await using agent = await startAgent({ natsUrl: nats.url, pod: 'web-1' });
    let prev = scopeContent('r', 1);
    await publishContent(publisher, 'ns-shop', prev);
    await waitFor('v1 served', async () => (await etcdRoutes(agent.etcd!)).ids.length === 1);
    for (let n = 2; n <= 4; n++) {
      const next = scopeContent('r', n);
      await publishContent(publisher, 'ns-shop', next, prev);
      prev = next;
    }
    await waitFor('v4 served', async () => (await etcdRoutes(agent.etcd!)).ids.length === 4);
    expect(await metric(agent.health, 'weft_agent_nats_connected')).toBe(1);

    await nats.kill();
    await waitFor('the agent seeing NATS gone', async () => (await metric(agent.health, 'weft_agent_nats_connected')) === 0);
    // APISIX still reads the last version; the agent stays ready.
    expect((await etcdRoutes(agent.etcd!)).ids).toHaveLength(4);
    expect(await readyz(agent.health)).toBe(200);

    await nats.restart();
    for (let n = 5; n <= 6; n++) {
      const next = scopeContent('r', n);
      const before = prev;
      // The control plane's first publishes after the restart may time out while it reconnects: it retries.
      await waitFor(`v${n} published`, async () => publishContent(publisher, 'ns-shop', next, before), { timeoutMs: 20_000 });
      prev = next;
    }
    await waitFor('v6 served', async () => (await etcdRoutes(agent.etcd!)).ids.length === 6, { timeoutMs: 20_000 });
    // Caught up through deltas: the only full state is the first one.
    expect(await metric(agent.health, 'weft_agent_updates_total', { type: 'full' })).toBe(1);
    expect(await metric(agent.health, 'weft_agent_updates_total', { type: 'delta' })).toBe(5);
    expect(await metric(agent.health, 'weft_agent_nats_connected')).toBe(1);
  });

  it('agent - restarted while NATS is down, serves the last applied snapshot from disk, then resumes', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1', reconnectWaitMs: 100, timeoutMs: 1_000 });
    await cp.ensureStreams();
    const publisher = cp.createPublisher();
    await cp.publishAssignment(agentIdOf('shop', 'web-1'), 'ns-shop');
    const v1 = scopeContent('r', 3);
    await publishContent(publisher, 'ns-shop', v1);
    let stateDir: string;
    let revisionBefore: number;
    {
      await using first = await startAgent({ natsUrl: nats.url, pod: 'web-1' });
      await waitFor('v1 served', async () => (await etcdRoutes(first.etcd!)).ids.length === 3);
      // A delta on top: kept on disk as a journal line after the base file, not as a rewrite of the whole scope.
      const v1b = scopeContent('r', 4);
      await publishContent(publisher, 'ns-shop', v1b, v1);
      await waitFor('v1b served', async () => (await etcdRoutes(first.etcd!)).ids.length === 4);
      await waitFor('v1b kept as a journal line', async () => (await readFile(join(first.stateDir, 'last-applied.journal'), 'utf8').catch(() => '')).endsWith('\n'));
      revisionBefore = (await etcdRoutes(first.etcd!)).revision;
      stateDir = first.stateDir;
      await nats.kill();
      expect(await first.stop()).toBe(0);
      expect(processGone(first.pid)).toBe(true);
      // Keep its state folder for the second run: dispose would remove it with the temp folder.
      await using second = await startAgent({ natsUrl: nats.url, pod: 'web-1', stateDir });
      expect(await readyz(second.health)).toBe(200);
      const restored = await etcdRoutes(second.etcd!);
      expect(restored.ids).toEqual(['r-0', 'r-1', 'r-2', 'r-3']);
      // Revisions never go back across restarts: APISIX's old watch cannot be confused.
      expect(restored.revision).toBeGreaterThan(revisionBefore);
      expect(await metric(second.health, 'weft_agent_updates_total', { type: 'full', reason: 'restored' })).toBe(1);
      expect(await metric(second.health, 'weft_agent_nats_connected')).toBe(0);

      await nats.restart();
      const v2 = scopeContent('r', 5);
      await waitFor('v2 published', async () => publishContent(publisher, 'ns-shop', v2, scopeContent('r', 4)), { timeoutMs: 20_000 });
      await waitFor('v2 served', async () => (await etcdRoutes(second.etcd!)).ids.length === 5, { timeoutMs: 20_000 });
      // Resumed from the restored version: v2 came as a delta, no full state was read.
      expect(await metric(second.health, 'weft_agent_updates_total', { type: 'delta' })).toBe(1);
      expect(await metric(second.health, 'weft_agent_updates_total', { type: 'full' })).toBe(1);
    }
  });
});
