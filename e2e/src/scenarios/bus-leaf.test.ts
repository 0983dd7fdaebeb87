import { describe, expect, it } from 'vitest';
import { connectBus } from '@weft/bus';
import { nextWithin } from '@weft/bus/testing';
import { startNats, waitFor } from '../harness/index.js';

describe('bus over leaf nodes', () => {
  it('bus - an agent on a leaf node follows its cluster through the hub, by JetStream domain, subjects unchanged', async () => {
    await using hub = await startNats({ name: 'hub', hub: true, jetstreamDomain: 'hub' });
    await using leaf = await startNats({ name: 'leaf', leafRemotes: [hub.leafUrl!], jetstreamDomain: 'leaf' });
    await waitFor('the leaf connection', async () => (await hub.leafConnections()) === 1 && (await leaf.leafConnections()) === 1, { timeoutMs: 15_000 });

    // The control plane of cluster east runs against the hub; an agent connects to its local leaf server.
    await using cp = await connectBus({ servers: hub.url, cluster: 'east' });
    await cp.ensureStreams();
    const pub = cp.createPublisher();
    const v1 = await pub.publishScope('s', { hash: 'a', document: { a: 1 } });
    await using agent = await connectBus({ servers: leaf.url, cluster: 'east', jetstreamDomain: 'hub' });
    await using sub = agent.subscribeScope('s');
    const next = nextWithin(sub, 10_000);
    expect(await next()).toMatchObject({ type: 'full', meta: { version: v1.version, cluster: 'east' } });
    const v2 = await pub.publishScope('s', { hash: 'b', document: { b: 1 } }, { baseHash: 'a', document: { set: 'b' } });
    expect(await next()).toMatchObject({ type: 'delta', meta: { version: v2.version, baseVersion: v1.version } });

    // Its status crosses back to the hub's status stream.
    await agent.reportStatus({ agent: 'east_pod-1', scope: 's', appliedVersion: v2.version, hash: 'b', applyLatencyMs: 1, lastError: null, at: new Date().toISOString() });
    await waitFor('the status on the hub', async () => (await cp.listStatus()).some((st) => st.agent === 'east_pod-1' && st.appliedVersion === v2.version), {
      timeoutMs: 10_000,
    });
  });
});
