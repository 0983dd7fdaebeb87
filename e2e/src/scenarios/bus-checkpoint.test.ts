import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectBus } from '@weft/bus';
import type { DeltaMessage, FullMessage, ScopeMessage, ScopePublisher, ScopeSubscription } from '@weft/bus';
import { NothingWithinError, nextWithin } from '@weft/bus/testing';
import { startNats, waitFor } from '../harness/index.js';

/**
 * Checkpointed full states against a real nats-server. The documents are opaque to the bus: here a state is a map of
 * keys to values, a delta sets some keys, and `fold` applies deltas, so every test can check that a reader ends up
 * with exactly the publisher's latest state.
 */
type Items = Record<string, string>;

class Publisher {
  items: Items = {};
  version = '';
  constructor(private readonly publish: ScopePublisher) {}

  /** Sets keys and publishes the result (a delta onto the previous state, or a reset the first time). */
  async set(change: Items): Promise<{ version: string; checkpoint: boolean; record: string }> {
    const items = { ...this.items, ...change };
    const first = this.version === '';
    const result = await this.publish.publishScope('s', { hash: hashOf(items), document: items }, first ? undefined : { baseHash: hashOf(this.items), document: { set: change } });
    this.items = items;
    this.version = result.version;
    return result;
  }
}

function hashOf(items: Items): string {
  const sorted = JSON.stringify(Object.entries(items).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256').update(sorted).digest('hex');
}

/** Applies what a subscription or readScope delivered, checking every delta chains onto the state before it. */
function fold(full: FullMessage, deltas: readonly DeltaMessage[]): { items: Items; version: string } {
  let items = { ...(full.document as Items) };
  let version = full.meta.version;
  for (const delta of deltas) {
    expect(delta.meta.baseVersion).toBe(version);
    items = { ...items, ...(delta.document as { set: Items }).set };
    version = delta.meta.version;
  }
  expect(hashOf(items)).toBe(deltas.at(-1)?.meta.hash ?? full.meta.hash);
  return { items, version };
}

/** One reader per subscription (it has a single iterator). */
const readers = new WeakMap<ScopeSubscription, (timeoutMs?: number) => Promise<ScopeMessage>>();

function reader(sub: ScopeSubscription): (timeoutMs?: number) => Promise<ScopeMessage> {
  let next = readers.get(sub);
  if (next === undefined) readers.set(sub, (next = nextWithin(sub, 10_000)));
  return next;
}

/** Reads a subscription until it holds `version`; returns the last full state and the deltas after it. */
async function readUntil(sub: ScopeSubscription, version: string, timeoutMs = 10_000): Promise<{ full: FullMessage | undefined; deltas: DeltaMessage[]; messages: ScopeMessage[] }> {
  const read = reader(sub);
  const next = (): Promise<ScopeMessage> => read(timeoutMs);
  const messages: ScopeMessage[] = [];
  let full: FullMessage | undefined;
  let deltas: DeltaMessage[] = [];
  let held: string | undefined;
  while (held !== version) {
    const m = await next();
    messages.push(m);
    if (m.type === 'full') {
      full = m;
      deltas = [];
    } else if (m.type === 'delta') deltas.push(m);
    else throw new Error(`refused ${m.version ?? '?'}: ${m.error.message}`);
    held = m.meta.version;
  }
  return { full, deltas, messages };
}

describe('bus checkpoints', () => {
  it('bus - stores the full state only at checkpoints; a new subscriber gets the latest checkpoint, then every delta after it', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const pub = new Publisher(cp.createPublisher({ checkpointEvery: 4, checkpointDeltaRatio: 1000 }));
    const results = [];
    for (let i = 1; i <= 7; i++) results.push(await pub.set({ [`k${i}`]: `v${i}` }));
    // The first version is a reset and a checkpoint; then every fourth version.
    expect(results.map((r) => [r.record, r.checkpoint])).toEqual([
      ['reset', true], ['delta', false], ['delta', false], ['delta', false], ['delta', true], ['delta', false], ['delta', false],
    ]);
    const versions = results.map((r) => r.version);

    // The stored full state is the checkpoint at version 5, the older one purged.
    expect((await agent.readFullState('s'))?.meta.version).toBe(versions[4]);
    const stored = await agent.readScope('s');
    expect(stored?.full.meta.version).toBe(versions[4]);
    expect(stored?.deltas.map((d) => d.meta.version)).toEqual([versions[5], versions[6]]);
    expect(fold(stored!.full, stored!.deltas)).toEqual({ items: pub.items, version: versions[6] });

    await using sub = agent.subscribeScope('s');
    const read = await readUntil(sub, versions[6]!);
    expect(read.messages.map((m) => m.type)).toEqual(['full', 'delta', 'delta']);
    expect(read.full).toMatchObject({ reason: 'initial', meta: { version: versions[4] } });
    expect(fold(read.full!, read.deltas).items).toEqual(pub.items);
    // Live from here: the next version is one delta.
    const v8 = await pub.set({ k8: 'v8' });
    expect(await reader(sub)()).toMatchObject({ type: 'delta', meta: { version: v8.version, baseVersion: versions[6] } });
  });

  it('bus - resumes from its version with deltas only, across checkpoints', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const pub = new Publisher(cp.createPublisher({ checkpointEvery: 3 }));
    const versions: string[] = [];
    for (let i = 1; i <= 9; i++) versions.push((await pub.set({ [`k${i}`]: `v${i}` })).version);
    await using sub = agent.subscribeScope('s', { fromVersion: versions[1]! });
    const read = await readUntil(sub, versions[8]!);
    expect(read.messages.every((m) => m.type === 'delta')).toBe(true);
    expect(read.deltas.map((d) => d.meta.version)).toEqual(versions.slice(2));
  });

  it('bus - resync(): the latest checkpoint again, then the deltas after it, also those delivered before', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams();
    const pub = new Publisher(cp.createPublisher({ checkpointEvery: 4, checkpointDeltaRatio: 1000 }));
    const versions: string[] = [];
    for (let i = 1; i <= 6; i++) versions.push((await pub.set({ [`k${i}`]: `v${i}` })).version);
    await using sub = agent.subscribeScope('s');
    await readUntil(sub, versions[5]!);
    // The caller could not use the last delta (say its result did not hash right) and asks again.
    sub.resync();
    const next = reader(sub);
    const again = [await next(), await next()];
    expect(again.map((m) => [m.type, m.type === 'refused' ? '' : m.meta.version])).toEqual([['full', versions[4]], ['delta', versions[5]]]);
    expect(again[0]).toMatchObject({ reason: 'resync' });
    await expect(next(300)).rejects.toThrow(NothingWithinError);
    // And it goes on following.
    const v7 = await pub.set({ k7: 'v7' });
    expect(await next()).toMatchObject({ type: 'delta', meta: { version: v7.version } });
  });

  it('bus - retention: the records after a checkpoint always fit the per-subject limit, so its deltas can be replayed', async () => {
    // Small messages: a delta of a few KB of noise takes several chunks, so chunk counts matter, not only versions.
    await using nats = await startNats({ maxPayload: 2048 });
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    await cp.ensureStreams({ maxMessagesPerSubject: 12 });
    const pub = new Publisher(cp.createPublisher({ checkpointEvery: 1000, checkpointDeltaRatio: 1000 }));
    await pub.set({ base: 'x' });
    await using follower = agent.subscribeScope('s');
    const checkpoints: number[] = [];
    for (let i = 1; i <= 30; i++) {
      // Sizes vary: 1 to 3 chunks per record.
      const result = await pub.set({ [`k${i % 7}`]: randomBytes(200 + (i % 3) * 1100).toString('hex') });
      if (result.checkpoint) checkpoints.push(i);
      // At any point, a reader of the stored checkpoint finds every delta after it, and ends at the latest state.
      const stored = await agent.readScope('s');
      expect(fold(stored!.full, stored!.deltas)).toEqual({ items: pub.items, version: result.version });
    }
    // The limit forced checkpoints (the other rules could not), at least every few versions.
    expect(checkpoints.length).toBeGreaterThan(5);
    // The live follower saw every version as a delta, whatever the checkpoints.
    const live = await readUntil(follower, pub.version);
    expect(live.full).toMatchObject({ reason: 'initial' });
    expect(fold(live.full!, live.deltas).items).toEqual(pub.items);

    // A reader far behind (its next records long trimmed) gets the checkpoint and the deltas after it.
    await using late = agent.subscribeScope('s', { fromVersion: live.full!.meta.version });
    const caughtUp = await readUntil(late, pub.version);
    expect(caughtUp.full).toMatchObject({ reason: 'behind' });
    expect(fold(caughtUp.full!, caughtUp.deltas).items).toEqual(pub.items);
  });

  it('bus - after a nats-server restart, followers resume with deltas and new readers replay from the stored checkpoint', async () => {
    await using nats = await startNats();
    await using cp = await connectBus({ servers: nats.url, cluster: 'c1', reconnectWaitMs: 100, timeoutMs: 1_000 });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1', reconnectWaitMs: 100 });
    await cp.ensureStreams();
    const pub = new Publisher(cp.createPublisher({ checkpointEvery: 3 }));
    for (let i = 1; i <= 4; i++) await pub.set({ [`k${i}`]: `v${i}` });
    await using follower = agent.subscribeScope('s');
    const before = await readUntil(follower, pub.version);

    await nats.kill();
    await nats.restart();
    await waitFor('a publish after the restart', async () => pub.set({ k5: 'v5' }), { timeoutMs: 15_000, intervalMs: 200 });
    for (let i = 6; i <= 8; i++) await pub.set({ [`k${i}`]: `v${i}` });
    const after = await readUntil(follower, pub.version, 15_000);
    expect(after.messages.every((m) => m.type === 'delta')).toBe(true);
    expect(fold(before.full!, [...before.deltas, ...after.deltas]).items).toEqual(pub.items);

    await using fresh = agent.subscribeScope('s');
    const replayed = await readUntil(fresh, pub.version);
    expect(fold(replayed.full!, replayed.deltas).items).toEqual(pub.items);
  });

  it('bus - two publishers: each checkpoints the first version it claims, and readers replay across both', async () => {
    await using nats = await startNats();
    await using a = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using b = await connectBus({ servers: nats.url, cluster: 'c1' });
    await using agent = await connectBus({ servers: nats.url, cluster: 'c1' });
    await a.ensureStreams();
    const scopeA = a.createPublisher({ checkpointEvery: 50, checkpointDeltaRatio: 1000 });
    const scopeB = b.createPublisher({ checkpointEvery: 50, checkpointDeltaRatio: 1000 });
    await using follower = agent.subscribeScope('s');
    // Both publish from the same latest state, as a new leader does from its own translation.
    let shared: { items: Items; version: string } = { items: {}, version: '' };
    const log: { by: string; version: string; checkpoint: boolean; record: string }[] = [];
    const step = async (by: 'a' | 'b', change: Items): Promise<void> => {
      const items = { ...shared.items, ...change };
      const delta = shared.version === '' ? undefined : { baseHash: hashOf(shared.items), document: { set: change } };
      const r = await (by === 'a' ? scopeA : scopeB).publishScope('s', { hash: hashOf(items), document: items }, delta);
      shared = { items, version: r.version };
      log.push({ by, version: r.version, checkpoint: r.checkpoint, record: r.record });
    };
    await step('a', { x: '1' });
    await step('a', { y: '1' });
    await step('b', { z: '1' });
    await step('a', { x: '2' });
    await step('b', { y: '2' });
    await step('b', { z: '2' });
    // Every version only grows; each publisher checkpoints the first version it claims after the other wrote.
    for (let i = 1; i < log.length; i++) expect(BigInt(log[i]!.version)).toBeGreaterThan(BigInt(log[i - 1]!.version));
    expect(log.map((l) => [l.by, l.record, l.checkpoint])).toEqual([
      ['a', 'reset', true], ['a', 'delta', false], ['b', 'delta', true], ['a', 'delta', true], ['b', 'delta', true], ['b', 'delta', false],
    ]);
    const live = await readUntil(follower, shared.version);
    expect(fold(live.full!, live.deltas).items).toEqual(shared.items);
    const stored = await agent.readScope('s');
    expect(stored?.full.meta.version).toBe(log[4]?.version);
    expect(fold(stored!.full, stored!.deltas).items).toEqual(shared.items);
  });
});
