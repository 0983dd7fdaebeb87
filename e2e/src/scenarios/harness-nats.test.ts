import { describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startNats, waitFor } from '../harness/index.js';
import { dirGone, processGone } from './process-gone.js';

describe('nats', () => {
  it('nats - publishes and consumes through JetStream, and the stream survives a restart', async () => {
    await using server = await startNats();
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'E2E', subjects: ['e2e.>'] });
      const js = jetstream(nc);
      const acks = [];
      for (let i = 1; i <= 3; i++) acks.push(await js.publish('e2e.snap', JSON.stringify({ version: i })));
      expect(acks.map((a) => a.seq)).toEqual([1, 2, 3]);

      const consumer = await js.consumers.get('E2E', { opt_start_seq: 2 });
      const m = await consumer.next({ expires: 5_000 });
      expect(m?.json()).toEqual({ version: 2 });
      expect(m?.seq).toBe(2);
    } finally {
      await nc.close();
    }

    // Killed, then started on the same port and store: what JetStream kept is there after the restart.
    const killedPid = server.pid;
    await server.kill();
    expect(processGone(killedPid)).toBe(true);
    await server.restart();
    expect(server.pid).not.toBe(killedPid);
    const nc2 = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc2);
      const info = await jsm.streams.info('E2E');
      expect(info.state.messages).toBe(3);
      expect(info.state.last_seq).toBe(3);
      await jsm.consumers.add('E2E', { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
      const m = await (await jetstream(nc2).consumers.get('E2E', 'reader')).next({ expires: 5_000 });
      expect(m?.json()).toEqual({ version: 1 });
      m?.ack();
    } finally {
      await nc2.close();
    }
  });

  it('nats - a leaf node joins its hub and messages cross in both directions', async () => {
    await using hub = await startNats({ name: 'hub', hub: true, jetstreamDomain: 'hub' });
    await using leaf = await startNats({ name: 'leaf', leafRemotes: [hub.leafUrl!], jetstreamDomain: 'leaf' });
    await waitFor('the leaf connection on both sides', async () => (await hub.leafConnections()) === 1 && (await leaf.leafConnections()) === 1, {
      timeoutMs: 15_000,
    });
    const hubConn = await connect({ servers: hub.url });
    const leafConn = await connect({ servers: leaf.url });
    try {
      const received: string[] = [];
      hubConn.subscribe('weft.c1.status.>', {
        callback: (_err, msg) => {
          received.push(`hub:${msg.string()}`);
        },
      });
      leafConn.subscribe('weft.c1.snap.>', {
        callback: (_err, msg) => {
          received.push(`leaf:${msg.string()}`);
        },
      });
      await hubConn.flush();
      await leafConn.flush();
      // Interest crosses the leaf connection asynchronously: publish until each side has seen one message.
      await waitFor('a message from leaf to hub and one from hub to leaf', async () => {
        leafConn.publish('weft.c1.status.agent-1', 'up');
        hubConn.publish('weft.c1.snap.default', 'v1');
        await leafConn.flush();
        await hubConn.flush();
        return received.includes('hub:up') && received.includes('leaf:v1');
      }, { timeoutMs: 10_000, intervalMs: 100 });
      expect(received).toContain('hub:up');
      expect(received).toContain('leaf:v1');
    } finally {
      await hubConn.close();
      await leafConn.close();
    }
  });

  it('nats - stop() leaves no process and no temp folder behind', async () => {
    const server = await startNats({ hub: true });
    expect(processGone(server.pid)).toBe(false);
    await server.stop();
    expect(processGone(server.pid)).toBe(true);
    expect(dirGone(server.tempDir)).toBe(true);
  });

  it('nats - a server that cannot start is reported with its own log', async () => {
    await using taken = await startNats();
    // The same client port again: nats-server exits, and the error quotes its log instead of timing out.
    await expect(startNats({ port: taken.port, timeoutMs: 15_000 })).rejects.toThrow(/nats-server exited[\s\S]*address already in use/);
  });
});
