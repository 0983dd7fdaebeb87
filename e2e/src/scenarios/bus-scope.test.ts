import { describe, expect, it } from 'vitest';
import { BusClosedError, ConnectError, connectBus, SchemaMajorError } from '@weft/bus';
import { NothingWithinError, nextWithin } from '@weft/bus/testing';
import { freePort, startNats } from '../harness/index.js';

const doc = (routes: string[]) => ({ routes: routes.map((id) => ({ id, uri: `/${id}` })) });
const hashOf = (routes: string[]) => `h-${routes.join(',')}`;

describe('bus', () => {
  it('bus - publishes a full state then deltas, and a subscriber receives them in version order', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    expect(await cp.ensureStreams()).toEqual({ snap: 'created', status: 'created' });
    expect(await cp.ensureStreams()).toEqual({ snap: 'unchanged', status: 'unchanged' });
    // Checkpoints (stored full states) only on resets here, so what is read back is predictable.
    const pub = cp.createPublisher({ checkpointDeltaRatio: 1000 });

    const v1 = await pub.publishScope('ns-a', { hash: hashOf(['r1']), document: doc(['r1']) });
    expect(v1).toMatchObject({ published: true, record: 'reset', scope: 'ns-a', checkpoint: true });

    await using sub = agent.subscribeScope('ns-a');
    const next = nextWithin(sub);
    const first = await next();
    expect(first).toMatchObject({ type: 'full', reason: 'initial', document: doc(['r1']) });
    expect(first.type === 'full' && first.meta).toMatchObject({ cluster: 'c1', scope: 'ns-a', version: v1.version, hash: hashOf(['r1']), schema: '1.0' });

    const v2 = await pub.publishScope('ns-a', { hash: hashOf(['r1', 'r2']), document: doc(['r1', 'r2']) }, { baseHash: hashOf(['r1']), document: { add: ['r2'] } });
    expect(v2).toMatchObject({ published: true, record: 'delta', checkpoint: false, fullBytes: 0 });
    expect(BigInt(v2.version)).toBeGreaterThan(BigInt(v1.version));
    const second = await next();
    expect(second).toMatchObject({ type: 'delta', document: { add: ['r2'] }, meta: { version: v2.version, baseVersion: v1.version, hash: hashOf(['r1', 'r2']) } });
    expect(sub.version).toBe(v2.version);

    // The same content again is a no-op: no new version, nothing delivered.
    const again = await pub.publishScope('ns-a', { hash: hashOf(['r1', 'r2']), document: doc(['r1', 'r2']) });
    expect(again).toMatchObject({ published: false, version: v2.version, record: 'none' });

    // A delta whose base is not the latest published state is not sent: subscribers get a reset and the full state.
    const v3 = await pub.publishScope('ns-a', { hash: hashOf(['r3']), document: doc(['r3']) }, { baseHash: 'stale', document: { nope: true } });
    expect(v3.record).toBe('reset');
    expect(await next()).toMatchObject({ type: 'full', reason: 'reset', document: doc(['r3']), meta: { version: v3.version } });

    // Another scope's versions go to its own subscribers only, on the same per-cluster counter.
    const other = await pub.publishScope('ns-b', { hash: 'b1', document: { b: 1 } });
    expect(BigInt(other.version)).toBeGreaterThan(BigInt(v3.version));
    const v4 = await pub.publishScope('ns-a', { hash: hashOf(['r3', 'r4']), document: doc(['r3', 'r4']) }, { baseHash: hashOf(['r3']), document: { add: ['r4'] } });
    expect(await next()).toMatchObject({ type: 'delta', meta: { version: v4.version, baseVersion: v3.version } });
    // The stored full state is the latest checkpoint (v3); readScope adds the deltas after it.
    expect(await agent.readFullState('ns-a')).toMatchObject({ meta: { version: v3.version }, document: doc(['r3']) });
    expect(await agent.readScope('ns-a')).toMatchObject({
      full: { meta: { version: v3.version }, document: doc(['r3']) },
      deltas: [{ type: 'delta', meta: { version: v4.version, baseVersion: v3.version, hash: hashOf(['r3', 'r4']) }, document: { add: ['r4'] } }],
    });
    expect(await agent.readFullState('ns-none')).toBeUndefined();
    expect(await agent.readScope('ns-none')).toBeUndefined();
  });

  it('bus - versions keep growing across a publisher restart and are never reused', async () => {
    await using nats = await startNats();
    const versions: bigint[] = [];
    {
      await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
      await cp.ensureStreams();
      const pub = cp.createPublisher();
      for (let i = 1; i <= 3; i++) versions.push(BigInt((await pub.publishScope('s', { hash: `h${i}`, document: { i } })).version));
    }
    // A new connection and a new publisher (a restarted control plane, or a new leader).
    await using cp2 = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp2.ensureStreams();
    const pub2 = cp2.createPublisher();
    // It reads the latest state from JetStream: the same content publishes nothing, and a delta on it chains.
    expect(await pub2.publishScope('s', { hash: 'h3', document: { i: 3 } })).toMatchObject({ published: false, version: String(versions[2]) });
    const next = await pub2.publishScope('s', { hash: 'h4', document: { i: 4 } }, { baseHash: 'h3', document: { set: 4 } });
    expect(next.record).toBe('delta');
    versions.push(BigInt(next.version));
    // Two publishers alive at once (a split brain): each claims distinct versions, none goes back.
    await using cp3 = await connectBus({ servers: nats.url, cluster: 'c1' });
    const pub3 = cp3.createPublisher();
    versions.push(BigInt((await pub3.publishScope('t', { hash: 't1', document: {} })).version));
    versions.push(BigInt((await pub2.publishScope('u', { hash: 'u1', document: {} })).version));
    versions.push(BigInt((await pub3.publishScope('t', { hash: 't2', document: {} })).version));
    for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);
  });

  it('bus - refuses a schema major it does not know, as an event, and goes on', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const pub = cp.createPublisher();
    const v1 = await pub.publishScope('s', { hash: 'a', document: { a: 1 } });
    await using sub = agent.subscribeScope('s');
    const next = nextWithin(sub);
    expect(await next()).toMatchObject({ type: 'full', meta: { version: v1.version } });

    const v2 = await pub.publishScope('s', { hash: 'b', document: { b: 1 }, schema: '2.0' }, { baseHash: 'a', document: { d: 1 } });
    const refused = await next();
    expect(refused.type).toBe('refused');
    expect(refused.type === 'refused' && refused.error).toBeInstanceOf(SchemaMajorError);
    expect(refused).toMatchObject({ version: v2.version, error: { schema: '2.0', acceptedMajors: [1] } });
    expect(sub.version).toBe(v1.version);

    // A later version in a known major (1.1) does not chain onto the refused one: the full state comes instead.
    const v3 = await pub.publishScope('s', { hash: 'c', document: { c: 1 }, schema: '1.1' }, { baseHash: 'b', document: { d: 2 } });
    expect(await next()).toMatchObject({ type: 'full', reason: 'behind', document: { c: 1 }, meta: { version: v3.version, schema: '1.1' } });
    // A subscriber that knows major 2 takes the same stream without refusing anything.
    await using sub2 = agent.subscribeScope('s', { acceptSchemaMajors: [1, 2] });
    expect(await nextWithin(sub2)()).toMatchObject({ type: 'full', meta: { version: v3.version } });
  });

  it('bus - two clusters on one server keep their subjects, streams and versions apart', async () => {
    await using nats = await startNats();
    await using a = await connectBus({ servers: nats.url, cluster: 'east' });
    await using b = await connectBus({ servers: nats.url, cluster: 'west' });
    await a.ensureStreams();
    await b.ensureStreams();
    expect(a.names.snapStream).toBe('weft-east-snap');
    expect(b.names.deltaSubject('s')).toBe('weft.west.snap.s.delta');
    const pa = a.createPublisher();
    const pb = b.createPublisher();
    const va = await pa.publishScope('s', { hash: 'east-1', document: { from: 'east' } });
    const vb = await pb.publishScope('s', { hash: 'west-1', document: { from: 'west' } });
    // Each cluster's counter is its own stream's sequence.
    expect(va.version).toBe('1');
    expect(vb.version).toBe('1');
    await using subA = a.subscribeScope('s');
    await using subB = b.subscribeScope('s');
    const nextA = nextWithin(subA);
    const nextB = nextWithin(subB);
    expect(await nextA()).toMatchObject({ document: { from: 'east' }, meta: { cluster: 'east' } });
    expect(await nextB()).toMatchObject({ document: { from: 'west' }, meta: { cluster: 'west' } });
    await pa.publishScope('s', { hash: 'east-2', document: { from: 'east', n: 2 } }, { baseHash: 'east-1', document: { n: 2 } });
    expect(await nextA()).toMatchObject({ type: 'delta', document: { n: 2 } });
    // West saw nothing of east's second version.
    await expect(nextB(500)).rejects.toThrow(NothingWithinError);
  });

  it('bus - measures publish to receive latency on loopback', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const pub = cp.createPublisher();
    const endpoints = Array.from({ length: 50 }, (_, i) => ({ host: `10.0.0.${i}`, port: 8080, weight: 1 }));
    await pub.publishScope('s', { hash: 'h0', document: { upstreams: [{ id: 'u1', nodes: endpoints }] } });
    await using sub = agent.subscribeScope('s');
    const next = nextWithin(sub);
    await next();
    const latencies: number[] = [];
    const publishCosts: number[] = [];
    const rounds = 200;
    for (let i = 1; i <= rounds; i++) {
      const started = performance.now();
      const r = await pub.publishScope(
        's',
        { hash: `h${i}`, document: { upstreams: [{ id: 'u1', nodes: endpoints.map((e, j) => (j === 0 ? { ...e, port: 8080 + i } : e)) }] } },
        { baseHash: `h${i - 1}`, document: { upstreams: { u1: { nodes: { 0: { port: 8080 + i } } } } } },
      );
      publishCosts.push(performance.now() - started);
      const m = await next();
      latencies.push(performance.now() - started);
      expect(m).toMatchObject({ type: 'delta', meta: { version: r.version } });
    }
    const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
    console.log(
      `bus latency over ${rounds} deltas: publish→receive p50 ${pct(latencies, 50).toFixed(2)} ms, p99 ${pct(latencies, 99).toFixed(2)} ms; ` +
        `publish ack p50 ${pct(publishCosts, 50).toFixed(2)} ms`,
    );
    expect(pct(latencies, 50)).toBeLessThan(50);
  });
});

describe('bus connection', () => {
  it('bus - fails with ConnectError without a server, or waits for one when asked', async () => {
    const port = await freePort();
    await expect(connectBus({ servers: `nats://127.0.0.1:${port}`, cluster: 'c1' })).rejects.toBeInstanceOf(ConnectError);
    // An agent that starts before NATS: the connection comes when the server does.
    const pending = connectBus({ servers: `nats://127.0.0.1:${port}`, cluster: 'c1', waitForServer: true, reconnectWaitMs: 100 });
    await using _nats = await startNats({ port });
    await using bus = await pending;
    expect(await bus.ensureStreams()).toEqual({ snap: 'created', status: 'created' });
  });

  it('bus - closing the bus ends its subscriptions and watches', async () => {
    await using nats = await startNats();
    const bus = await connectBus({ servers: nats.url, cluster: 'c1' });
    await bus.ensureStreams();
    const sub = bus.subscribeScope('s');
    const watch = bus.watchStatus();
    const ended = Promise.all([
      (async () => {
        for await (const _ of sub) {
          /* nothing published */
        }
      })(),
      (async () => {
        for await (const _ of watch) {
          /* caught-up only */
        }
      })(),
    ]);
    await bus.close();
    await ended;
    expect(() => bus.subscribeScope('s')).toThrow(BusClosedError);
  });
});

describe('bus figures', () => {
  it('bus - measures fan-out of one delta to 200 subscriptions and the read of a large full state', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const pub = cp.createPublisher();
    await pub.publishScope('shared', { hash: 'h0', document: { n: 0 } });
    const agents = await Promise.all(Array.from({ length: 4 }, () => connectBus({ servers: nats.url, cluster: 'c1' })));
    try {
      const subs = agents.flatMap((a) => Array.from({ length: 50 }, () => a.subscribeScope('shared')));
      const readers = subs.map((s) => nextWithin(s, 10_000));
      await Promise.all(readers.map((next) => next()));
      const rounds: number[] = [];
      for (let i = 1; i <= 20; i++) {
        const started = performance.now();
        await pub.publishScope('shared', { hash: `h${i}`, document: { n: i } }, { baseHash: `h${i - 1}`, document: { n: i } });
        const got = await Promise.all(readers.map((next) => next()));
        rounds.push(performance.now() - started);
        for (const m of got) expect(m).toMatchObject({ type: 'delta', document: { n: i } });
      }
      rounds.sort((a, b) => a - b);
      console.log(`bus fan-out of one delta to ${subs.length} subscriptions (4 connections): p50 ${rounds[10]!.toFixed(1)} ms, max ${rounds[19]!.toFixed(1)} ms`);
      await Promise.all(subs.map((s) => s.close()));
    } finally {
      await Promise.all(agents.map((a) => a.close()));
    }

    // A 10,000-route scope: publish (encode + gzip + chunk) and a cold full read.
    const big = { routes: Array.from({ length: 10_000 }, (_, i) => ({ id: `r-${i}`, uri: `/svc-${i}/*`, upstream_id: `u-${i}`, plugins: { 'proxy-rewrite': { regex_uri: [`^/svc-${i}/(.*)`, '/$1'] } } })) };
    const jsonBytes = JSON.stringify(big).length;
    let t = performance.now();
    const v = await pub.publishScope('big', { hash: 'big', document: big });
    const publishMs = performance.now() - t;
    t = performance.now();
    const read = await cp.readFullState('big');
    const readMs = performance.now() - t;
    expect(read?.meta.version).toBe(v.version);
    expect((read?.document as typeof big).routes).toHaveLength(10_000);
    console.log(
      `bus full state of ${(jsonBytes / 1e6).toFixed(1)} MB JSON (${(v.fullBytes / 1e3).toFixed(0)} KB gzip, ${v.messages - 1} chunks): ` +
        `publish ${publishMs.toFixed(0)} ms, cold read ${readMs.toFixed(0)} ms`,
    );
  });
});
