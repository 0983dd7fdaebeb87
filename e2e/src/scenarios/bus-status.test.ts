import { describe, expect, it } from 'vitest';
import { connect, headers } from '@nats-io/transport-node';
import { connectBus, InvalidIdError, PublishError } from '@weft/bus';
import type { AgentStatus } from '@weft/bus';
import { nextWithin } from '@weft/bus/testing';
import { startNats, waitFor } from '../harness/index.js';

const status = (agent: string, appliedVersion: string | null, lastError: string | null = null): AgentStatus => ({
  agent,
  scope: 'ns-a',
  appliedVersion,
  hash: appliedVersion === null ? null : `hash-${appliedVersion}`,
  applyLatencyMs: appliedVersion === null ? null : 3.5,
  lastError,
  at: new Date().toISOString(),
});

describe('bus status', () => {
  it('bus - an agent status reaches the control plane watch', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    await using watch = cp.watchStatus();
    const next = nextWithin(watch);
    // Nothing stored yet: caught up at once.
    expect(await next()).toEqual({ type: 'caught-up' });
    const first = status('ns-a_pod-1', '7');
    await agent.reportStatus(first);
    expect(await next()).toEqual({ type: 'status', status: first });
    const failed = status('ns-a_pod-1', '7', 'route r1: upstream u9 missing');
    await agent.reportStatus(failed);
    expect(await next()).toEqual({ type: 'status', status: failed });
    await expect(agent.reportStatus(status('pod.with.dots', '1'))).rejects.toBeInstanceOf(InvalidIdError);
  });

  it('bus - a restarted control plane sees the latest status of every agent', async () => {
    await using nats = await startNats();
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    {
      await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
      await cp.ensureStreams();
    }
    await agent.reportStatus(status('a', '1'));
    await agent.reportStatus(status('b', null));
    await agent.reportStatus(status('a', '2'));
    const c = status('c', '2', 'x'.repeat(10_000));
    await agent.reportStatus(c);

    await using cp2 = await connectBus({ servers: nats.url, cluster: 'c1' });
    const all = await cp2.listStatus();
    expect(all.map((s) => [s.agent, s.appliedVersion])).toEqual([['a', '2'], ['b', null], ['c', '2']]);
    // Long errors are cut to a summary.
    expect(all[2]!.lastError!.length).toBe(4096);

    // A watch delivers each agent's latest once, then caught-up, then what comes next.
    await using watch = cp2.watchStatus();
    const next = nextWithin(watch);
    const initial = [await next(), await next(), await next()];
    expect(initial.map((e) => (e.type === 'status' ? `${e.status.agent}@${e.status.appliedVersion}` : e.type)).sort()).toEqual(['a@2', 'b@null', 'c@2']);
    expect(await next()).toEqual({ type: 'caught-up' });
    await agent.reportStatus(status('b', '2'));
    expect(await next()).toMatchObject({ type: 'status', status: { agent: 'b', appliedVersion: '2' } });
  });

  it('bus - the status watch survives a nats-server restart and refuses a status on another agent subject', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1', reconnectWaitMs: 100 });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1', reconnectWaitMs: 100, timeoutMs: 1_000 });
    await cp.ensureStreams();
    await using watch = cp.watchStatus();
    const next = nextWithin(watch);
    expect(await next()).toEqual({ type: 'caught-up' });
    await agent.reportStatus(status('a', '1'));
    expect(await next()).toMatchObject({ type: 'status', status: { agent: 'a' } });
    await nats.kill();
    await nats.restart();
    // Right after a restart a report can time out while the client reconnects: agents report again, as here.
    await waitFor('a status report after the restart', async () => {
      await agent.reportStatus(status('a', '2'));
      return true;
    }, { timeoutMs: 15_000 });
    expect(await next(15_000)).toMatchObject({ type: 'status', status: { agent: 'a', appliedVersion: '2' } });

    // Agent b writes a status claiming to be agent a: refused, not taken as a's.
    const nc = await connect({ servers: nats.url });
    try {
      const h = headers();
      h.set('Weft-Status-Schema', '1.0');
      await nc.request(cp.names.statusSubject('b'), JSON.stringify(status('a', '99')), { headers: h, timeout: 2_000 });
    } finally {
      await nc.close();
    }
    expect(await next()).toMatchObject({ type: 'refused', subject: 'weft.c1.status.b' });
  });

  it('bus - a status report fails when no stream stores it, and each report gets its own ack', async () => {
    await using nats = await startNats();
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1', timeoutMs: 1_000 });
    // No status stream yet: the report must fail (the agent's reporter retries it), not pass unstored.
    await expect(agent.reportStatus(status('a', '1'))).rejects.toBeInstanceOf(PublishError);
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    // Many in flight at once on one connection: each is acked, and the stream holds the last of each agent.
    await Promise.all(Array.from({ length: 200 }, (_, i) => agent.reportStatus(status(`a-${i % 20}`, String(i + 1)))));
    const all = await cp.listStatus();
    expect(all).toHaveLength(20);
    expect(all.find((s) => s.agent === 'a-19')?.appliedVersion).toBe('200');
    await nats.kill();
    // The server gone: a report fails within the timeout instead of hanging.
    await expect(agent.reportStatus(status('a', '2'))).rejects.toBeInstanceOf(PublishError);
  });
});
