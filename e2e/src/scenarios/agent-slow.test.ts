import { describe, expect, it } from 'vitest';
import { agentIdOf, connectBus } from '@weft/bus';
import { startNats, waitFor } from '../harness/index.js';
import { etcdRoutes, metric, publishContent, scopeContent, startAgent } from './agent-process.js';

describe('agent isolation', () => {
  it('agent - a stopped agent does not slow the others, and catches up when it resumes', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const publisher = cp.createPublisher();
    for (const pod of ['slow', 'fast-1', 'fast-2']) await cp.publishAssignment(agentIdOf('shop', pod), 'ns-shop');
    await using slow = await startAgent({ natsUrl: nats.url, pod: 'slow' });
    await using fast1 = await startAgent({ natsUrl: nats.url, pod: 'fast-1' });
    await using fast2 = await startAgent({ natsUrl: nats.url, pod: 'fast-2' });
    let prev = scopeContent('r', 1);
    await publishContent(publisher, 'ns-shop', prev);
    for (const agent of [slow, fast1, fast2]) await waitFor('v1 everywhere', async () => (await etcdRoutes(agent.etcd!)).ids.length === 1);

    // The slow agent stops reading (a stalled pod): the others must not notice.
    slow.signal('SIGSTOP');
    const latencies: number[] = [];
    for (let n = 2; n <= 41; n++) {
      const next = scopeContent('r', n);
      const sentAt = performance.now();
      await publishContent(publisher, 'ns-shop', next, prev);
      await waitFor(`v${n} on both fast agents`, async () => (await etcdRoutes(fast1.etcd!)).ids.length === n && (await etcdRoutes(fast2.etcd!)).ids.length === n, { intervalMs: 2 });
      latencies.push(performance.now() - sentAt);
      prev = next;
    }
    latencies.sort((a, b) => a - b);
    console.log(`with one agent stopped, publish → both other agents serving: p50 ${latencies[19]!.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms over 40 versions`);
    expect(latencies.at(-1)).toBeLessThan(1_000);

    slow.signal('SIGCONT');
    await waitFor('the slow agent caught up', async () => (await etcdRoutes(slow.etcd!)).ids.length === 41, { timeoutMs: 20_000 });
    // 40 versions are within the stream's delta retention: it caught up through deltas.
    expect(await metric(slow.health, 'weft_agent_updates_total', { type: 'delta' })).toBe(40);
    const statuses = await waitFor('every status at the last version', async () => {
      const all = await cp.listStatus();
      return all.length === 3 && new Set(all.map((s) => s.appliedVersion)).size === 1 ? all : undefined;
    });
    expect(statuses.every((s) => s.lastError === null)).toBe(true);
  });
});
