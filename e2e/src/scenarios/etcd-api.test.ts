/**
 * Differential tests: the agent's etcd v3 gateway against a real etcd 3.6 holding the same keys. Each request is the
 * one APISIX sends (contract §1.2); answers are compared field by field with revisions taken relative to each
 * server's base revision (the revision before the shared state was loaded).
 */
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigStore, resourcesToEntries, startEtcdServer } from '@weft/apisix';
import type { EtcdServer as AgentEtcdServer } from '@weft/apisix';
import { emptyApisixResources } from '@weft/model';
import type { ApisixResources } from '@weft/model';
import { createLogger } from '@weft/telemetry';
import { startEtcd, waitFor } from '../harness/index.js';
import type { EtcdServer } from '../harness/index.js';

type Json = Record<string, unknown>;
const logger = createLogger({ component: 'e2e-etcd-api', level: 'warn' });
const b64 = (text: string): string => Buffer.from(text, 'latin1').toString('base64');
const REVISION_FIELDS = new Set(['revision', 'create_revision', 'mod_revision', 'compact_revision']);

function state(routeUri: string, withR3: boolean, extraUpstream = false): ApisixResources {
  const up = (id: string) => ({ id, nodes: [{ host: '10.1.0.7', port: 8080, weight: 1 }] });
  return {
    ...emptyApisixResources(),
    routes: [
      { id: 'r1', uri: routeUri, upstream_id: 'u1' },
      { id: 'r2', uri: '/two', upstream_id: 'u1', methods: ['GET'] },
      ...(withR3 ? [{ id: 'r3', uri: '/three/*', upstream_id: 'u2' }] : []),
    ],
    upstreams: [up('u1'), up('u2'), ...(extraUpstream ? [up('u3')] : [])],
    plugin_configs: [{ id: 'pc1', plugins: { 'proxy-rewrite': { headers: { set: { 'x-weft': '1' } } } } }],
  };
}

async function post(endpoint: string, path: string, body: unknown, method = 'POST'): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${endpoint}${path}`, method === 'GET' ? {} : { method, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Json };
}

/** One etcd gateway watch stream, read as raw HTTP chunks. */
interface WatchStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly messages: Json[];
  readonly raw: () => string;
  close(): void;
}

function openWatch(endpoint: string, createRequest: Json): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}/v3/watch`, { method: 'POST', agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      let raw = '';
      let pending = '';
      const messages: Json[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') messages.push(JSON.parse(line) as Json);
      });
      res.on('error', () => undefined);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, messages, raw: () => raw, close: () => req.destroy() });
    });
    req.end(JSON.stringify({ create_request: createRequest }));
  });
}

const waitMessages = (w: WatchStream, n: number): Promise<Json[]> =>
  waitFor(`${n} watch messages`, () => (w.messages.length >= n ? w.messages.slice(0, n) : undefined), { timeoutMs: 5_000 });

/** Revisions relative to `base`; header identity fields checked as uint64 strings, then dropped. */
function relative(value: unknown, base: number): unknown {
  if (Array.isArray(value)) return value.map((v) => relative(v, base));
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value as Json)) {
    if (key === 'cluster_id' || key === 'member_id' || key === 'raft_term') {
      expect(child).toMatch(/^\d+$/);
      continue;
    }
    out[key] = REVISION_FIELDS.has(key) && typeof child === 'string' ? Number(child) - base : relative(child, base);
  }
  return out;
}

/** A real etcd and the agent's server, both holding `initial`; `apply` moves both to a new state in one revision. */
interface Pair extends AsyncDisposable {
  readonly etcd: EtcdServer;
  readonly agent: AgentEtcdServer;
  readonly store: ConfigStore;
  readonly etcdBase: number;
  readonly agentBase: number;
  apply(next: ApisixResources): Promise<void>;
}

async function startPair(initial: ApisixResources, storeOptions: { historyRevisions?: number } = {}): Promise<Pair> {
  const etcd = await startEtcd();
  const store = new ConfigStore(storeOptions);
  const agent = await startEtcdServer(store, { logger, port: 0 });
  // Unrelated writes outside the prefix make etcd's base differ from ours: only relative revisions may match.
  for (let i = 0; i < 3; i++) await post(etcd.endpoint, '/v3/kv/put', { key: b64(`/aaa/unrelated-${i}`), value: b64('x') });
  const etcdBase = Number(((await post(etcd.endpoint, '/v3/kv/range', { key: b64('/') })).body['header'] as Json)['revision']);
  const agentBase = store.revision;
  let entries = new Map<string, string>();
  const apply = async (next: ApisixResources): Promise<void> => {
    const wanted = resourcesToEntries(next);
    const keys = [...new Set([...entries.keys(), ...wanted.keys()])].sort();
    const ops = keys.flatMap((key): Json[] => {
      const value = wanted.get(key);
      if (value === undefined) return [{ request_delete_range: { key: b64(key) } }];
      return value === entries.get(key) ? [] : [{ request_put: { key: b64(key), value: Buffer.from(value).toString('base64') } }];
    });
    const txn = await post(etcd.endpoint, '/v3/kv/txn', { success: ops });
    expect(txn.body['succeeded']).toBe(true);
    store.applyResources(next);
    entries = wanted;
  };
  await apply(initial);
  const dispose = async (): Promise<void> => {
    await agent.close();
    await etcd.stop();
  };
  return { etcd, agent, store, etcdBase, agentBase, apply, [Symbol.asyncDispose]: dispose };
}

/** APISIX's range body: the key plus every zero field lua-resty-etcd sends. */
const apisixRange = (key: string, rangeEnd?: string): Json => ({
  key: b64(key),
  ...(rangeEnd === undefined ? {} : { range_end: b64(rangeEnd) }),
  limit: 0,
  revision: 0,
  sort_order: 0,
  sort_target: 0,
  min_mod_revision: 0,
  max_mod_revision: 0,
  min_create_revision: 0,
  max_create_revision: 0,
  serializable: false,
  keys_only: false,
  count_only: false,
});

/** Sends the same request to both (a function gets each server's base revision) and compares the answers. */
async function expectSameAnswer(pair: Pair, path: string, body: unknown, method = 'POST'): Promise<Json> {
  const bodyFor = (base: number): unknown => (typeof body === 'function' ? (body as (base: number) => unknown)(base) : body);
  const [real, ours] = await Promise.all([
    post(pair.etcd.endpoint, path, bodyFor(pair.etcdBase), method),
    post(pair.agent.endpoint, path, bodyFor(pair.agentBase), method),
  ]);
  expect(ours.status, `${path} status`).toBe(real.status);
  const ourBody = { ...ours.body };
  // Our error bodies add `error` (= message) for clients of etcd <= 3.5's gateway; everything else must match.
  if (real.body['error'] === undefined && ourBody['code'] !== undefined) {
    expect(ourBody['error']).toBe(ourBody['message']);
    delete ourBody['error'];
  }
  expect(relative(ourBody, pair.agentBase), `${path} ${JSON.stringify(bodyFor(pair.etcdBase))}`).toEqual(relative(real.body, pair.etcdBase));
  return ours.body;
}

describe('etcd api (differential against etcd 3.6)', () => {
  it('etcd api - answers APISIX range requests exactly like etcd', async () => {
    await using pair = await startPair(state('/one', true));
    await pair.apply(state('/one-changed', false)); // r1 changed, r3 deleted: a second revision
    const readdir = await expectSameAnswer(pair, '/v3/kv/range', apisixRange('/apisix', '/apisiy'));
    const keys = (readdir['kvs'] as Json[]).map((kv) => Buffer.from(String(kv['key']), 'base64').toString());
    expect(keys).toEqual([...keys].sort());
    expect(keys).toContain('/apisix/routes/');
    await expectSameAnswer(pair, '/v3/kv/range', apisixRange('/apisix/'));
    await expectSameAnswer(pair, '/v3/kv/range', apisixRange('/apisix/routes', '/apisix/routet'));
    await expectSameAnswer(pair, '/v3/kv/range', apisixRange('/apisix/upstreams', '/apisix/upstreamt'));
    await expectSameAnswer(pair, '/v3/kv/range', apisixRange('/apisix/plugin_configs/pc1'));
    const missing = await expectSameAnswer(pair, '/v3/kv/range', apisixRange('/apisix/phantomkey'));
    expect(missing['kvs']).toBeUndefined();
    expect((missing['header'] as Json)['revision']).toBe(String(pair.store.revision));
    await expectSameAnswer(pair, '/v3/kv/range', apisixRange('/apisix//phantomkey'));
    // Options APISIX does not send, still etcd's semantics.
    await expectSameAnswer(pair, '/v3/kv/range', { ...apisixRange('/apisix', '/apisiy'), limit: 3 });
    await expectSameAnswer(pair, '/v3/kv/range', { ...apisixRange('/apisix', '/apisiy'), count_only: true });
    await expectSameAnswer(pair, '/v3/kv/range', { ...apisixRange('/apisix/routes/', '/apisix/routes0'), keys_only: true });
    await expectSameAnswer(pair, '/v3/kv/range', { key: b64('/apisix/routes/'), range_end: b64('/apisix/routes0'), sort_order: 'DESCEND', sort_target: 'MOD' });
    await expectSameAnswer(pair, '/v3/kv/range', { key: b64('/apisix/upstreams/'), range_end: 'AA==' });
    // Historical read of the first state (r3 still there, r1 unchanged), then a future revision.
    await expectSameAnswer(pair, '/v3/kv/range', (base: number) => ({
      key: b64('/apisix/routes/'),
      range_end: b64('/apisix/routes0'),
      revision: base + 1,
    }));
    const agentHistorical = await post(pair.agent.endpoint, '/v3/kv/range', { key: b64('/apisix/routes/r3'), revision: pair.agentBase + 1 });
    expect((agentHistorical.body['kvs'] as Json[]).length).toBe(1);
    const future = await expectSameAnswer(pair, '/v3/kv/range', (base: number) => ({ key: b64('/apisix/'), revision: base + 99 }));
    expect(future['message']).toBe('etcdserver: mvcc: required revision is a future revision');
  });

  it('etcd api - errors, version and refused writes have etcd shapes', async () => {
    await using pair = await startPair(state('/one', true));
    await expectSameAnswer(pair, '/v3/kv/range', {});
    await expectSameAnswer(pair, '/v3/auth/authenticate', { name: 'root', password: 'x' });
    await expectSameAnswer(pair, '/v3/kv/nothing', {});
    await expectSameAnswer(pair, '/v3/kv/range', undefined, 'GET');
    const version = await post(pair.agent.endpoint, '/version', undefined, 'GET');
    const realVersion = await post(pair.etcd.endpoint, '/version', undefined, 'GET');
    expect(Object.keys(realVersion.body)).toEqual(expect.arrayContaining(Object.keys(version.body)));
    expect(version.body['etcdcluster']).toMatch(/^3\.(\d+)\.\d+$/);
    // Read-only mirror: writes are refused with etcd's permission error (4xx, never 5xx) and change nothing.
    const before = pair.store.revision;
    for (const path of ['/v3/kv/put', '/v3/kv/deleterange', '/v3/kv/txn', '/v3/kv/compaction', '/v3/lease/grant']) {
      const res = await post(pair.agent.endpoint, path, { key: b64('/apisix/routes/r1'), value: b64('{}'), TTL: 10 });
      expect(res).toEqual({ status: 403, body: { code: 7, message: 'etcdserver: permission denied', error: 'etcdserver: permission denied' } });
    }
    expect(pair.store.revision).toBe(before);
  });

  it('etcd api - watch: created, replay from start_revision, then a put and a delete, framed like etcd', async () => {
    await using pair = await startPair(state('/one', true));
    const create = (base: number): Json => ({ key: b64('/apisix/'), range_end: b64('/apisix0'), start_revision: base + 1 });
    const [real, ours] = await Promise.all([openWatch(pair.etcd.endpoint, create(pair.etcdBase)), openWatch(pair.agent.endpoint, create(pair.agentBase))]);
    try {
      for (const w of [real, ours]) {
        expect(w.status).toBe(200);
        expect(w.headers['transfer-encoding']).toBe('chunked');
        expect(w.headers['content-type']).toBe('application/json');
      }
      expect(relative(await waitMessages(ours, 2), pair.agentBase)).toEqual(relative(await waitMessages(real, 2), pair.etcdBase));
      await pair.apply(state('/one-changed', false, true));
      const [realAll, ourAll] = [await waitMessages(real, 3), await waitMessages(ours, 3)];
      expect(relative(ourAll[2], pair.agentBase)).toEqual(relative(realAll[2], pair.etcdBase));
      const events = ((ourAll[2]?.['result'] as Json)['events'] as Json[]).map((e) => [e['type'] ?? 'PUT', Buffer.from(String((e['kv'] as Json)['key']), 'base64').toString()]);
      expect(events).toEqual([
        ['PUT', '/apisix/routes/r1'],
        ['DELETE', '/apisix/routes/r3'],
        ['PUT', '/apisix/upstreams/u3'],
      ]);
      const deleted = ((ourAll[2]?.['result'] as Json)['events'] as Json[])[1]?.['kv'] as Json;
      expect(Object.keys(deleted).sort()).toEqual(['key', 'mod_revision']);
      // Framing: newline-terminated JSON objects, nothing else.
      for (const w of [real, ours]) expect(w.raw().endsWith('\n')).toBe(true);
    } finally {
      real.close();
      ours.close();
    }
  });

  it('etcd api - watch with prev_kv, and a watch from a future revision, behave like etcd', async () => {
    await using pair = await startPair(state('/one', true));
    const withPrev = (base: number): Json => ({ key: b64('/apisix/routes/'), range_end: b64('/apisix/routes0'), start_revision: base + 1, prev_kv: true });
    const future = (base: number): Json => ({ key: b64('/apisix/'), range_end: b64('/apisix0'), start_revision: base + 3 });
    const streams = await Promise.all([
      openWatch(pair.etcd.endpoint, withPrev(pair.etcdBase)),
      openWatch(pair.agent.endpoint, withPrev(pair.agentBase)),
      openWatch(pair.etcd.endpoint, future(pair.etcdBase)),
      openWatch(pair.agent.endpoint, future(pair.agentBase)),
    ]);
    const [realPrev, oursPrev, realFuture, oursFuture] = streams;
    try {
      // etcd batches the changes a catching-up watcher missed into one message: let the replay land first.
      await Promise.all([waitMessages(realPrev, 2), waitMessages(oursPrev, 2)]);
      await pair.apply(state('/one-changed', false)); // base+2: not yet for the future watchers
      await Promise.all([waitMessages(realPrev, 3), waitMessages(oursPrev, 3)]);
      await pair.apply(state('/again', true)); // base+3
      expect(relative(await waitMessages(oursPrev, 4), pair.agentBase)).toEqual(relative(await waitMessages(realPrev, 4), pair.etcdBase));
      expect(relative(await waitMessages(oursFuture, 2), pair.agentBase)).toEqual(relative(await waitMessages(realFuture, 2), pair.etcdBase));
      expect(oursFuture.messages[1]).toMatchObject({ result: { header: { revision: String(pair.agentBase + 3) } } });
      const changed = ((oursPrev.messages[2]?.['result'] as Json)['events'] as Json[])[0];
      expect(Buffer.from(String((changed?.['prev_kv'] as Json)['value']), 'base64').toString()).toContain('"/one"');
    } finally {
      for (const w of streams) w.close();
    }
  });

  it('etcd api - a watch from a compacted revision is cancelled with the same shape and compact revision', async () => {
    await using pair = await startPair(state('/one', true), { historyRevisions: 1 });
    await pair.apply(state('/two', true));
    await pair.apply(state('/three', true));
    // etcd compacts at base+3; our history keeps one revision, so its compact revision is base+3 too.
    await post(pair.etcd.endpoint, '/v3/kv/compaction', { revision: pair.etcdBase + 3, physical: true });
    expect(pair.store.compactRevision).toBe(pair.agentBase + 3);
    const from = (base: number, rel: number): Json => ({ key: b64('/apisix/'), range_end: b64('/apisix0'), start_revision: base + rel });
    const [real, ours] = await Promise.all([openWatch(pair.etcd.endpoint, from(pair.etcdBase, 1)), openWatch(pair.agent.endpoint, from(pair.agentBase, 1))]);
    const [realOk, oursOk] = await Promise.all([openWatch(pair.etcd.endpoint, from(pair.etcdBase, 3)), openWatch(pair.agent.endpoint, from(pair.agentBase, 3))]);
    try {
      const cancelled = await waitMessages(ours, 2);
      expect(relative(cancelled, pair.agentBase)).toEqual(relative(await waitMessages(real, 2), pair.etcdBase));
      expect(cancelled[1]).toMatchObject({ result: { canceled: true, compact_revision: String(pair.agentBase + 3) } });
      // A start at the compact revision still replays.
      expect(relative(await waitMessages(oursOk, 2), pair.agentBase)).toEqual(relative(await waitMessages(realOk, 2), pair.etcdBase));
      await expectSameAnswer(pair, '/v3/kv/range', (base: number) => ({ key: b64('/apisix/routes/r1'), revision: base + 2 }));
    } finally {
      for (const w of [real, ours, realOk, oursOk]) w.close();
    }
  });
});

describe('etcd api (agent behaviour)', () => {
  it('etcd api - many concurrent watchers all get each change; disconnects are cleaned up and reconnects resume', async () => {
    const store = new ConfigStore();
    store.applyResources(state('/one', true));
    await using agent = await startEtcdServer(store, { logger, port: 0 });
    const create = { key: b64('/apisix/'), range_end: b64('/apisix0'), start_revision: store.revision + 1 };
    const watchers = await Promise.all(Array.from({ length: 64 }, () => openWatch(agent.endpoint, create)));
    await waitFor('64 open streams', () => agent.watchStreams() === 64);
    store.applyResources(state('/two', true));
    for (const w of watchers) expect((await waitMessages(w, 2))[1]).toMatchObject({ result: { header: { revision: String(store.revision) } } });
    for (const w of watchers) w.close();
    await waitFor('streams closed', () => agent.watchStreams() === 0 && store.stats().watchers === 0);
    // APISIX reconnects (every 50 s) from the revision after the last one it saw: no replay, then the next change.
    const again = await openWatch(agent.endpoint, { ...create, start_revision: store.revision + 1 });
    try {
      expect((await waitMessages(again, 1))[0]).toMatchObject({ result: { created: true } });
      store.applyResources(state('/three', true));
      const next = (await waitMessages(again, 2))[1];
      expect(next).toMatchObject({ result: { header: { revision: String(store.revision) } } });
      expect(((next?.['result'] as Json)['events'] as Json[]).length).toBe(1);
    } finally {
      again.close();
    }
  });

  it('etcd api - revisions survive an agent restart: a watcher from before is told to reload, nothing goes back', async () => {
    const first = new ConfigStore();
    first.applyResources(state('/one', true));
    first.applyResources(state('/two', true));
    const persisted = first.revision;
    const modBefore = first.get('/apisix/routes/r2')?.modRevision ?? 0;

    const restarted = new ConfigStore({ revisionFloor: persisted });
    await using agent = await startEtcdServer(restarted, { logger, port: 0 });
    // APISIX saw `persisted` and reconnects from the next revision before the agent loaded anything.
    const w = await openWatch(agent.endpoint, { key: b64('/apisix/'), range_end: b64('/apisix0'), start_revision: persisted + 1 });
    try {
      restarted.applyResources(state('/two', false));
      const [created, cancel] = await waitMessages(w, 2);
      expect(created).toMatchObject({ result: { created: true, header: { revision: String(persisted) } } });
      expect(cancel).toMatchObject({ result: { canceled: true, compact_revision: String(persisted + 2) } });
      const readdir = await post(agent.endpoint, '/v3/kv/range', apisixRange('/apisix', '/apisiy'));
      expect(Number((readdir.body['header'] as Json)['revision'])).toBe(persisted + 1);
      for (const kv of readdir.body['kvs'] as Json[]) expect(Number(kv['mod_revision'])).toBeGreaterThan(Math.max(persisted, modBefore));
    } finally {
      w.close();
    }
  });
});
