import { describe, expect, it } from 'vitest';
import { connectBus, PublishError } from '@weft/bus';
import { NothingWithinError, nextWithin } from '@weft/bus/testing';
import { startNats, waitFor } from '../harness/index.js';

const full = (n: number) => ({ hash: `h${n}`, document: { n, routes: Array.from({ length: n }, (_, i) => `r${i}`) } });
const delta = (n: number) => ({ baseHash: `h${n - 1}`, document: { add: `r${n - 1}` } });

describe('bus resume', () => {
  it('bus - resumes from its version after reconnect, without a full resync', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1', reconnectWaitMs: 100, timeoutMs: 1_000 });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1', reconnectWaitMs: 100 });
    await cp.ensureStreams();
    const pub = cp.createPublisher();
    const v1 = await pub.publishScope('s', full(1));
    await using sub = agent.subscribeScope('s');
    const next = nextWithin(sub);
    expect(await next()).toMatchObject({ type: 'full', reason: 'initial', meta: { version: v1.version } });
    const v2 = await pub.publishScope('s', full(2), delta(2));
    expect(await next()).toMatchObject({ type: 'delta', meta: { version: v2.version } });

    // nats-server crashes; while it is down a publish fails with a typed error and nothing is lost.
    await nats.kill();
    await expect(pub.publishScope('s', full(3), delta(3))).rejects.toBeInstanceOf(PublishError);
    // Started again on the same port and store.
    await nats.restart();
    const v3 = await waitFor('a publish after the restart', async () => pub.publishScope('s', full(3), delta(3)), { timeoutMs: 15_000, intervalMs: 200 });
    expect(BigInt(v3.version)).toBeGreaterThan(BigInt(v2.version));
    // The live subscription gets the delta: no full state after the reconnect.
    expect(await next(15_000)).toMatchObject({ type: 'delta', meta: { version: v3.version, baseVersion: v2.version }, document: { add: 'r2' } });
    // And keeps getting them, promptly, however many come (a reset consumer must not stall after one or two).
    for (let n = 4; n <= 8; n++) {
      const v = await pub.publishScope('s', full(n), delta(n));
      expect(await next(2_000)).toMatchObject({ type: 'delta', meta: { version: v.version } });
    }
    const burst = [];
    for (let n = 9; n <= 20; n++) burst.push((await pub.publishScope('s', full(n), delta(n))).version);
    for (const version of burst) expect(await next(2_000)).toMatchObject({ type: 'delta', meta: { version } });

    // An agent restarted with its version from disk resumes the same way, deltas only.
    await using agent2 = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using resumed = agent2.subscribeScope('s', { fromVersion: v1.version });
    const nextResumed = nextWithin(resumed);
    expect(await nextResumed()).toMatchObject({ type: 'delta', meta: { version: v2.version, baseVersion: v1.version } });
    expect(await nextResumed()).toMatchObject({ type: 'delta', meta: { version: v3.version, baseVersion: v2.version } });
    for (let n = 4; n <= 20; n++) expect(await nextResumed()).toMatchObject({ type: 'delta' });
    // Up to date: nothing else comes, in particular no full state.
    await expect(nextResumed(500)).rejects.toThrow(NothingWithinError);
    expect(resumed.version).toBe(burst[burst.length - 1]);
  });

  it('bus - resumes after nats-server is stopped and started again on the same port and store dir', async () => {
    const first = await startNats();
    const { port, storeDir } = first;
    await using agent = await connectBus({ servers: first.url, cluster: 'c1', reconnectWaitMs: 100 });
    let v2: string;
    let v1: string;
    {
      await using cp = await connectBus({ servers: first.url, cluster: 'c1' });
      await cp.ensureStreams();
      const pub = cp.createPublisher();
      v1 = (await pub.publishScope('s', full(1))).version;
      v2 = (await pub.publishScope('s', full(2), delta(2))).version;
    }
    await using sub = agent.subscribeScope('s', { fromVersion: v1 });
    const next = nextWithin(sub);
    expect(await next()).toMatchObject({ type: 'delta', meta: { version: v2 } });
    await first.kill();
    await using second = await startNats({ port, storeDir });
    await using cp2 = await connectBus({ servers: second.url, cluster: 'c1' });
    expect(await cp2.ensureStreams()).toEqual({ snap: 'unchanged', status: 'unchanged' });
    const v3 = await cp2.createPublisher().publishScope('s', full(3), delta(3));
    expect(v3.record).toBe('delta');
    expect(BigInt(v3.version)).toBeGreaterThan(BigInt(v2));
    expect(await next(15_000)).toMatchObject({ type: 'delta', meta: { version: v3.version, baseVersion: v2 } });
    await first.stop();
  });

  it('bus - fetches the full state first when too far behind', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    // Four messages per subject: the delta subject keeps the last four records. An existing stream is updated.
    expect(await cp.ensureStreams({ maxMessagesPerSubject: 4 })).toEqual({ snap: 'updated', status: 'unchanged' });
    const pub = cp.createPublisher();
    const published = [await pub.publishScope('s', full(1))];
    for (let n = 2; n <= 10; n++) published.push(await pub.publishScope('s', full(n), delta(n)));
    const versions = published.map((p) => p.version);
    // Records after a checkpoint stay under half the limit: a checkpoint at least every other version here.
    const lastCheckpoint = published.map((p) => p.checkpoint).lastIndexOf(true);
    expect(lastCheckpoint).toBeGreaterThanOrEqual(8);

    // Version 7's successors (8, 9, 10) are all still there: deltas only.
    await using near = agent.subscribeScope('s', { fromVersion: versions[6]! });
    const nextNear = nextWithin(near);
    for (const i of [7, 8, 9]) expect(await nextNear()).toMatchObject({ type: 'delta', meta: { version: versions[i] } });

    // Version 2's successors are gone: the latest checkpoint, the deltas after it, then deltas as they come.
    await using far = agent.subscribeScope('s', { fromVersion: versions[1]! });
    const nextFar = nextWithin(far);
    expect(await nextFar()).toMatchObject({ type: 'full', reason: 'behind', meta: { version: versions[lastCheckpoint] }, document: full(lastCheckpoint + 1).document });
    for (let i = lastCheckpoint + 1; i <= 9; i++) expect(await nextFar()).toMatchObject({ type: 'delta', meta: { version: versions[i], baseVersion: versions[i - 1] } });
    const v11 = await pub.publishScope('s', full(11), delta(11));
    expect(await nextFar()).toMatchObject({ type: 'delta', meta: { version: v11.version, baseVersion: versions[9] } });
    expect(await nextNear()).toMatchObject({ type: 'delta', meta: { version: v11.version } });
  });

  it('bus - a version that is not one of the scope gets the full state', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const pub = cp.createPublisher();
    const a = await pub.publishScope('a', full(1));
    const b = await pub.publishScope('b', { hash: 'b1', document: { b: 1 } });
    // Newer than anything published (a recreated stream, a version from elsewhere).
    await using ahead = cp.subscribeScope('a', { fromVersion: '999' });
    expect(await nextWithin(ahead)()).toMatchObject({ type: 'full', reason: 'unknown-base', meta: { version: a.version } });
    // Scope b's version, presented on scope a.
    await using other = cp.subscribeScope('a', { fromVersion: b.version });
    expect(await nextWithin(other)()).toMatchObject({ type: 'full', reason: 'unknown-base', meta: { version: a.version } });
  });

  it('bus - an agent that starts before the control plane gets the first version', async () => {
    await using nats = await startNats();
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    // No streams yet: the subscription waits and retries.
    await using sub = agent.subscribeScope('s');
    const next = nextWithin(sub);
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const v1 = await cp.createPublisher().publishScope('s', full(1));
    expect(await next(10_000)).toMatchObject({ type: 'full', meta: { version: v1.version } });
  });
});
