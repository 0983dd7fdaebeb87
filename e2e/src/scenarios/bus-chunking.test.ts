import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connect, headers } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectBus, IntegrityError, PayloadTooLargeError } from '@weft/bus';
import { nextWithin } from '@weft/bus/testing';
import { startNats } from '../harness/index.js';

/** Random hex: compresses to about half, so it still needs many chunks. */
const noise = (bytes: number) => randomBytes(bytes / 2).toString('hex');
const MAX_PAYLOAD = 2048;

describe('bus chunking', () => {
  it('bus - compresses and chunks documents so no message exceeds a small max_payload', async () => {
    await using nats = await startNats({ maxPayload: MAX_PAYLOAD });
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    expect(cp.maxPayload()).toBe(MAX_PAYLOAD);
    await cp.ensureStreams();
    const pub = cp.createPublisher();

    const big = { upstreams: Array.from({ length: 20 }, (_, i) => ({ id: `u${i}`, secret: noise(2000) })) };
    const v1 = await pub.publishScope('s', { hash: 'big-1', document: big });
    // About 40 KB of JSON, ~20 KB gzip: many chunks of under 2 KB each, all in the stream.
    expect(v1.messages).toBeGreaterThan(10);
    expect(v1.fullBytes).toBeLessThan(JSON.stringify(big).length);

    await using sub = agent.subscribeScope('s');
    const next = nextWithin(sub);
    const first = await next();
    expect(first).toMatchObject({ type: 'full', meta: { version: v1.version } });
    expect(first.type === 'full' && first.document).toEqual(big);

    // A large delta is chunked the same way and reassembled by the subscriber.
    const change = { upstreams: { u0: { secret: noise(8000) } } };
    const big2 = { upstreams: big.upstreams.map((u) => (u.id === 'u0' ? { ...u, secret: change.upstreams.u0.secret } : u)) };
    const v2 = await pub.publishScope('s', { hash: 'big-2', document: big2 }, { baseHash: 'big-1', document: change });
    expect(v2.record).toBe('delta');
    expect(v2.deltaBytes).toBeGreaterThan(MAX_PAYLOAD);
    expect(await next()).toMatchObject({ type: 'delta', meta: { version: v2.version }, document: change });

    // Repetitive JSON compresses well: a 100 KB document in a handful of messages.
    const repetitive = { routes: Array.from({ length: 1000 }, (_, i) => ({ id: `route-${i}`, uri: '/api/v1/things', methods: ['GET', 'POST'] })) };
    const v3 = await pub.publishScope('s', { hash: 'rep', document: repetitive });
    expect(JSON.stringify(repetitive).length).toBeGreaterThan(60_000);
    expect(v3.fullBytes).toBeLessThan(8_000);
    const third = await next();
    expect(third.type === 'full' && third.document).toEqual(repetitive);

    // Every stored message, headers included, fits the server's max_payload.
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(cp.names.snapStream);
      let checked = 0;
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(cp.names.snapStream, { seq });
        if (m === null) continue;
        const headerBytes = [...m.header].reduce((n, [k, vs]) => n + vs.reduce((a, v) => a + k.length + v.length + 4, 0), 12);
        expect(m.data.length + headerBytes).toBeLessThanOrEqual(MAX_PAYLOAD);
        checked++;
      }
      // v1's full state was purged when v3's was stored; v2's delta chunks and v3 remain.
      expect(checked).toBeGreaterThan(4);
    } finally {
      await nc.close();
    }
  });

  it('bus - refuses a reassembled body whose hash does not match, then resyncs', async () => {
    await using nats = await startNats({ maxPayload: MAX_PAYLOAD });
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const pub = cp.createPublisher();
    const v1 = await pub.publishScope('s', { hash: 'a', document: { a: 1 } });
    await using sub = agent.subscribeScope('s');
    const next = nextWithin(sub);
    expect(await next()).toMatchObject({ type: 'full', meta: { version: v1.version } });

    // A forged two-chunk delta record that chains onto v1 but whose bytes are not the announced ones.
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const forged = String((await jsm.streams.info(cp.names.snapStream)).state.last_seq + 1);
      for (const [index, part] of ['{"evil"', ':true}'].entries()) {
        const h = headers();
        const entries: [string, string][] = [
          ['Weft-Schema', '1.0'], ['Weft-Kind', 'delta'], ['Weft-Cluster', 'c1'], ['Weft-Scope', 's'],
          ['Weft-Version', forged], ['Weft-Hash', 'x'], ['Weft-Base-Version', v1.version], ['Weft-Encoding', 'json'],
          ['Weft-Body-Sha256', '0'.repeat(64)], ['Weft-Chunk', `${index}/2`],
        ];
        for (const [k, v] of entries) h.set(k, v);
        await nc.request(cp.names.deltaSubject('s'), new TextEncoder().encode(part), { headers: h, timeout: 2_000 });
      }
      const refused = await next();
      expect(refused).toMatchObject({ type: 'refused', version: forged });
      expect(refused.type === 'refused' && refused.error).toBeInstanceOf(IntegrityError);
      expect(sub.version).toBe(v1.version);
    } finally {
      await nc.close();
    }
    // The publisher finds the stream moved and reads its head again: the forged record is the latest, and its hash
    // is not the base of the delta, so the next version is a reset with a checkpoint, and the agent reads it.
    const v2 = await pub.publishScope('s', { hash: 'b', document: { b: 1 } }, { baseHash: 'a', document: { set: 'b' } });
    expect(BigInt(v2.version)).toBeGreaterThan(BigInt(v1.version) + 2n);
    expect(v2).toMatchObject({ record: 'reset', checkpoint: true });
    expect(await next()).toMatchObject({ type: 'full', reason: 'reset', meta: { version: v2.version }, document: { b: 1 } });
  });

  it('bus - a full state cut off mid-chain leaves the previous one readable', async () => {
    await using nats = await startNats({ maxPayload: MAX_PAYLOAD });
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const doc1 = { blob: noise(10_000) };
    const v1 = await cp.createPublisher().publishScope('s', { hash: 'one', document: doc1 });
    expect(v1.messages).toBeGreaterThan(3);

    // A publisher that died after the first chunk of its next full state.
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const cut = String((await jsm.streams.info(cp.names.snapStream)).state.last_seq + 1);
      const h = headers();
      const entries: [string, string][] = [
        ['Weft-Schema', '1.0'], ['Weft-Kind', 'full'], ['Weft-Cluster', 'c1'], ['Weft-Scope', 's'],
        ['Weft-Version', cut], ['Weft-Hash', 'two'], ['Weft-Encoding', 'json'],
        ['Weft-Body-Sha256', '0'.repeat(64)], ['Weft-Chunk', '0/3'],
      ];
      for (const [k, v] of entries) h.set(k, v);
      await nc.request(cp.names.fullSubject('s'), new TextEncoder().encode('{"blob":'), { headers: h, timeout: 2_000 });
    } finally {
      await nc.close();
    }

    // Readers fall back to the last complete state.
    expect(await cp.readFullState('s')).toMatchObject({ meta: { version: v1.version, hash: 'one' }, document: doc1 });
    await using sub = cp.subscribeScope('s');
    const next = nextWithin(sub);
    expect(await next()).toMatchObject({ type: 'full', meta: { version: v1.version } });
    // So does a new publisher: its head is v1, and a delta on v1 chains.
    const v2 = await cp.createPublisher().publishScope('s', { hash: 'two', document: { small: 2 } }, { baseHash: 'one', document: { set: 2 } });
    expect(v2.record).toBe('delta');
    expect(await next()).toMatchObject({ type: 'delta', meta: { version: v2.version, baseVersion: v1.version } });
    expect(await cp.readFullState('s')).toMatchObject({ meta: { version: v2.version }, document: { small: 2 } });
  });

  it('bus - refuses to publish a state that needs more chunks than the stream keeps', async () => {
    await using nats = await startNats({ maxPayload: MAX_PAYLOAD });
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams({ maxMessagesPerSubject: 4 });
    const pub = cp.createPublisher();
    await expect(pub.publishScope('s', { hash: 'huge', document: { blob: noise(40_000) } })).rejects.toBeInstanceOf(PayloadTooLargeError);
    // Nothing was published, and the scope still works for what fits.
    expect(await cp.readFullState('s')).toBeUndefined();
    const ok = await pub.publishScope('s', { hash: 'small', document: { small: true } });
    expect((await cp.readFullState('s'))?.meta.version).toBe(ok.version);
  });
});
