import { describe, expect, it } from 'vitest';
import { connect, headers } from '@nats-io/transport-node';
import { agentIdOf, connectBus } from '@weft/bus';
import { NothingWithinError, nextWithin } from '@weft/bus/testing';
import { startNats, waitFor } from '../harness/index.js';

describe('bus assignment', () => {
  it('bus - an agent sees its current scope, then each change, and only its own', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agentBus = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const agent = agentIdOf('shop', 'web.v2-abc');
    expect(await cp.publishAssignment(agent, 'ns-shop')).toBe(true);
    // The same value again publishes nothing.
    expect(await cp.publishAssignment(agent, 'ns-shop')).toBe(false);
    await cp.publishAssignment(agentIdOf('shop', 'other'), 'ns-other');

    await using watch = agentBus.watchAssignment(agent);
    const next = nextWithin(watch);
    expect(await next()).toBe('ns-shop');
    expect(await cp.publishAssignment(agent, 'ns-shop-canary')).toBe(true);
    expect(await next()).toBe('ns-shop-canary');
    // The other agent's change and a document that is not an assignment are not delivered.
    await cp.publishAssignment(agentIdOf('shop', 'other'), 'ns-x');
    const nc = await connect({ servers: nats.url });
    try {
      const h = headers();
      h.set('Weft-Assign-Schema', '1.0');
      await nc.request(cp.names.assignSubject(agent), JSON.stringify({ scope: 'bad.scope' }), { headers: h, timeout: 2_000 });
    } finally {
      await nc.close();
    }
    await expect(next(500)).rejects.toBeInstanceOf(NothingWithinError);
    await cp.publishAssignment(agent, 'ns-shop');
    expect(await next()).toBe('ns-shop');

    await cp.deleteAssignment(agent);
    await using fresh = agentBus.watchAssignment(agent);
    await expect(nextWithin(fresh)(500)).rejects.toBeInstanceOf(NothingWithinError);
    expect(await cp.publishAssignment(agent, 'ns-shop')).toBe(true);
  });

  it('bus - the assignment watch survives a nats-server restart', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1', reconnectWaitMs: 100, timeoutMs: 1_000 });
    await using agentBus = await connectBus({ servers: nats.url, cluster: 'c1', reconnectWaitMs: 100 });
    // The agent watches before the control plane made the streams: the watch waits for them.
    await using watch = agentBus.watchAssignment('shop_web');
    const next = nextWithin(watch);
    await cp.ensureStreams();
    await cp.publishAssignment('shop_web', 'ns-a');
    expect(await next(10_000)).toBe('ns-a');
    await nats.kill();
    await nats.restart();
    await waitFor('an assignment published after the restart', async () => cp.publishAssignment('shop_web', 'ns-b'), { timeoutMs: 15_000 });
    expect(await next(15_000)).toBe('ns-b');
  });
  it('bus - the stored assignments are read back as one table; a store without a read overwrites', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    expect(await cp.readAssignments()).toEqual(new Map());
    const agents = Array.from({ length: 2_500 }, (_, i) => agentIdOf('shop', `web-${i}`));
    for (const [i, agent] of agents.entries()) await cp.storeAssignment(agent, `scope-${i % 7}`);
    await cp.storeAssignment(agents[0] as string, 'scope-new');
    await cp.deleteAssignment(agents[1] as string);
    // A document of an unknown major is left out of the table (the pipeline rewrites it).
    const nc = await connect({ servers: nats.url });
    try {
      const h = headers();
      h.set('Weft-Assign-Schema', '9.0');
      await nc.request(cp.names.assignSubject(agents[2] as string), JSON.stringify({ scope: 'ns-x' }), { headers: h, timeout: 2_000 });
    } finally {
      await nc.close();
    }
    const table = await cp.readAssignments();
    expect(table.size).toBe(agents.length - 2);
    expect(table.get(agents[0] as string)).toBe('scope-new');
    expect(table.has(agents[1] as string)).toBe(false);
    expect(table.has(agents[2] as string)).toBe(false);
    expect(table.get(agents[2_499] as string)).toBe(`scope-${2_499 % 7}`);
  });
});
