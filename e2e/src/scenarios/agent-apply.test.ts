import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { agentIdOf, connectBus } from '@weft/bus';
import { startNats, waitFor } from '../harness/index.js';
import { processGone } from './process-gone.js';
import { etcdRoutes, metric, publishContent, readyz, scopeContent, startAgent } from './agent-process.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** An APISIX-style watch on `/apisix/routes/` of the agent's etcd API; resolves each revision's arrival time. */
async function watchRoutes(endpoint: string, signal: AbortSignal): Promise<{ readonly seen: Map<number, number> }> {
  const seen = new Map<number, number>();
  const res = await fetch(`${endpoint}/v3/watch`, {
    method: 'POST',
    body: JSON.stringify({ create_request: { key: b64('/apisix/routes/'), range_end: b64('/apisix/routes0') } }),
    signal,
  });
  const reader = res.body!.getReader();
  void (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          const msg = JSON.parse(line) as { result?: { header?: { revision?: string }; events?: unknown[] } };
          if (msg.result?.events !== undefined) seen.set(Number(msg.result.header?.revision), performance.now());
        }
      }
    } catch {
      // aborted
    }
  })();
  return { seen };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

describe('agent apply', () => {
  it('agent - applies its scope into the etcd API and into apisix.yaml, reports status, fast', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const publisher = cp.createPublisher();
    await using etcdAgent = await startAgent({ natsUrl: nats.url, pod: 'web-1', store: 'etcd' });
    await using yamlAgent = await startAgent({ natsUrl: nats.url, pod: 'web.2', store: 'yaml' });
    expect(yamlAgent.etcd).toBeUndefined();
    // Nothing applied yet: not ready.
    expect(await readyz(etcdAgent.health)).toBe(503);

    const v1 = scopeContent('r', 2);
    const version1 = await publishContent(publisher, 'ns-shop', v1);
    await cp.publishAssignment(agentIdOf('shop', 'web-1'), 'ns-shop');
    await cp.publishAssignment(agentIdOf('shop', 'web.2'), 'ns-shop');

    await waitFor('the etcd agent serving v1', async () => (await etcdRoutes(etcdAgent.etcd!)).ids.join() === 'r-0,r-1');
    await waitFor('apisix.yaml holding v1', async () => {
      const doc = parse(await readFile(yamlAgent.apisixYaml, 'utf8')) as { routes?: { id: string }[] };
      return doc.routes?.map((r) => r.id).join() === 'r-0,r-1';
    });
    expect(await readFile(yamlAgent.apisixYaml, 'utf8')).toMatch(/#END\n$/);
    expect(await readyz(etcdAgent.health)).toBe(200);
    expect(await readyz(yamlAgent.health)).toBe(200);
    const statuses = await waitFor('both statuses at v1', async () => {
      const all = await cp.listStatus();
      return all.length === 2 && all.every((s) => s.appliedVersion === version1) ? all : undefined;
    });
    expect(statuses.map((s) => [s.agent, s.scope, s.lastError])).toEqual([
      ['shop_web-1', 'ns-shop', null],
      ['shop_web~2', 'ns-shop', null],
    ]);
    expect(statuses[0]!.hash).toMatch(/^[0-9a-f]{64}$/);

    // Latency: from the publish call to the change visible on an APISIX-style watch of the etcd API.
    const aborter = new AbortController();
    const watch = await watchRoutes(etcdAgent.etcd!, aborter.signal);
    const latencies: number[] = [];
    let prev = v1;
    for (let i = 2; i < 32; i++) {
      const next = scopeContent('r', i + 1);
      const before = (await etcdRoutes(etcdAgent.etcd!)).revision;
      const sentAt = performance.now();
      await publishContent(publisher, 'ns-shop', next, prev);
      const arrivedAt = await waitFor('the watch event', () => [...watch.seen].find(([rev]) => rev > before)?.[1], { intervalMs: 1 });
      latencies.push(arrivedAt - sentAt);
      prev = next;
    }
    aborter.abort();
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(`agent apply latency publish → etcd watch event over ${latencies.length} versions: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`);
    expect(p99).toBeLessThan(1_000);
    // Every one of them travelled as a delta.
    expect(await metric(etcdAgent.health, 'weft_agent_updates_total', { type: 'delta' })).toBe(30);
    expect(await metric(etcdAgent.health, 'weft_agent_updates_total', { type: 'full' })).toBe(1);
    await waitFor('the yaml agent at the last version', async () => {
      const doc = parse(await readFile(yamlAgent.apisixYaml, 'utf8')) as { routes?: unknown[] };
      return doc.routes?.length === 32;
    });
    expect(await metric(etcdAgent.health, 'weft_agent_apply_duration_seconds_count')).toBe(31);

    // A clean stop, quickly.
    const stoppedAt = performance.now();
    expect(await etcdAgent.stop()).toBe(0);
    expect(performance.now() - stoppedAt).toBeLessThan(5_000);
    expect(processGone(etcdAgent.pid)).toBe(true);
  });

  it('agent - follows its assignment to another scope', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const publisher = cp.createPublisher();
    await publishContent(publisher, 'ns-a', scopeContent('a', 2));
    const versionB = await publishContent(publisher, 'ns-b', scopeContent('b', 3));
    const agentId = agentIdOf('shop', 'web-1');
    await cp.publishAssignment(agentId, 'ns-a');
    await using agent = await startAgent({ natsUrl: nats.url, pod: 'web-1' });
    await waitFor('scope a served', async () => (await etcdRoutes(agent.etcd!)).ids.join() === 'a-0,a-1');

    await cp.publishAssignment(agentId, 'ns-b');
    await waitFor('scope b served', async () => (await etcdRoutes(agent.etcd!)).ids.join() === 'b-0,b-1,b-2');
    await waitFor('the status on scope b', async () => {
      const [status] = await cp.listStatus();
      return status?.scope === 'ns-b' && status.appliedVersion === versionB;
    });
    // Scope a moves on: the agent no longer follows it.
    await publishContent(publisher, 'ns-a', scopeContent('a', 5), scopeContent('a', 2));
    const versionB2 = await publishContent(publisher, 'ns-b', scopeContent('b', 4), scopeContent('b', 3));
    await waitFor('scope b moved on', async () => (await etcdRoutes(agent.etcd!)).ids.length === 4);
    expect((await etcdRoutes(agent.etcd!)).ids.every((id) => id.startsWith('b-'))).toBe(true);
    await waitFor('the status at the new b version', async () => (await cp.listStatus())[0]?.appliedVersion === versionB2);
  });
});
