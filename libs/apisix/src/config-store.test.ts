import { describe, expect, it } from 'vitest';
import { emptyApisixResources } from '@weft/model';
import type { ApisixResources, ApisixRoute, ApisixUpstream } from '@weft/model';
import { ConfigStore } from './config-store.js';
import type { WatchMessage } from './contract.js';
import { FutureRevisionError, InvalidResourceError, RevisionCompactedError } from './errors.js';
import { APISIX_ETCD_DIRECTORIES } from './key-layout.js';

const upstream = (id: string, port = 80): ApisixUpstream => ({ id, nodes: [{ host: '10.0.0.1', port, weight: 1 }] });
const route = (id: string, uri: string): ApisixRoute => ({ id, uri, upstream_id: 'u1' });
const state = (routes: ApisixRoute[], upstreams: ApisixUpstream[] = [upstream('u1')]): ApisixResources => ({
  ...emptyApisixResources(),
  routes,
  upstreams,
});

function collect(): { messages: WatchMessage[]; listener: (m: WatchMessage) => void } {
  const messages: WatchMessage[] = [];
  return { messages, listener: (m) => messages.push(m) };
}

const text = (store: ConfigStore, key: string): string | undefined => store.get(key)?.value.toString('utf8');

describe('ConfigStore', () => {
  it('store - applies a whole state as one revision with placeholders, ids and etcd key metadata', () => {
    const store = new ConfigStore();
    expect(store.revision).toBe(1);
    const result = store.applyResources(state([route('r1', '/a'), route('r2', '/b')]));
    expect(result).toEqual({ revision: 2, changed: true, puts: 3 + APISIX_ETCD_DIRECTORIES.length, deletes: 0, baseline: false });
    expect(text(store, '/apisix/routes/')).toBe('init_dir');
    expect(JSON.parse(text(store, '/apisix/routes/r1') ?? '')).toEqual({ id: 'r1', upstream_id: 'u1', uri: '/a' });
    expect(store.get('/apisix/routes/r1')).toMatchObject({ createRevision: 2, modRevision: 2, version: 1 });
    expect(store.get('/apisix/upstreams/u1')).toMatchObject({ createRevision: 2, modRevision: 2, version: 1 });
  });

  it('store - a changed value gets a new revision, an unchanged one keeps its mod_revision, a no-op makes no revision', () => {
    const store = new ConfigStore();
    store.applyResources(state([route('r1', '/a'), route('r2', '/b')]));
    const second = store.applyResources(state([route('r1', '/a'), route('r2', '/changed')]));
    expect(second).toMatchObject({ revision: 3, puts: 1, deletes: 0 });
    expect(store.get('/apisix/routes/r1')).toMatchObject({ createRevision: 2, modRevision: 2, version: 1 });
    expect(store.get('/apisix/routes/r2')).toMatchObject({ createRevision: 2, modRevision: 3, version: 2 });
    // Same content with fields in another order is the same value.
    const reordered = { upstream_id: 'u1', uri: '/a', id: 'r1' } as ApisixRoute;
    expect(store.applyResources(state([reordered, route('r2', '/changed')]))).toEqual({
      revision: 3,
      changed: false,
      puts: 0,
      deletes: 0,
      baseline: false,
    });
    const third = store.applyResources(state([route('r2', '/changed')]));
    expect(third).toMatchObject({ revision: 4, puts: 0, deletes: 1 });
    expect(store.get('/apisix/routes/r1')).toBeUndefined();
    // Re-created: a new create_revision and version 1.
    store.applyResources(state([route('r1', '/a'), route('r2', '/changed')]));
    expect(store.get('/apisix/routes/r1')).toMatchObject({ createRevision: 5, modRevision: 5, version: 1 });
  });

  it('store - revisions never go back: a new store on the persisted floor continues above it', () => {
    const first = new ConfigStore();
    first.applyResources(state([route('r1', '/a')]));
    first.applyResources(state([route('r1', '/b')]));
    const persisted = first.revision;
    const restarted = new ConfigStore({ revisionFloor: persisted });
    expect(restarted.revision).toBe(persisted);
    expect(restarted.nextRevision()).toBe(persisted + 1);
    expect(restarted.nextRevision({ revisionFloor: persisted + 10 })).toBe(persisted + 11);
    const result = restarted.applyResources(state([route('r1', '/b')]));
    expect(result.revision).toBe(persisted + 1);
    expect(result.baseline).toBe(true);
    expect(restarted.get('/apisix/routes/r1')?.modRevision).toBe(persisted + 1);
    // The apply option lifts the next revision above a given floor (e.g. a snapshot version).
    expect(restarted.applyResources(state([route('r1', '/c')]), { revisionFloor: 1000 }).revision).toBe(1001);
    expect(restarted.applyResources(state([route('r1', '/d')]), { revisionFloor: 10 }).revision).toBe(1002);
  });

  it('store - a watcher from before a restart baseline is cancelled with a compaction so APISIX reloads', () => {
    const store = new ConfigStore({ revisionFloor: 50 });
    const old = collect();
    store.watch({ key: '/apisix/', rangeEnd: '/apisix0', startRevision: 40 }, old.listener);
    expect(old.messages).toEqual([{ kind: 'created', revision: 50 }, { kind: 'compacted', compactRevision: 51 }]);
    // APISIX saw revision 50 before the agent restarted and waits for 51: the baseline cannot be replayed to it.
    const waiting = collect();
    store.watch({ key: '/apisix/', rangeEnd: '/apisix0', startRevision: 51 }, waiting.listener);
    store.applyResources(state([route('r1', '/a')]));
    expect(waiting.messages).toEqual([{ kind: 'created', revision: 50 }, { kind: 'compacted', compactRevision: 52 }]);
    expect(store.compactRevision).toBe(52);
    // After reloading at 51 it watches from 52 and gets the next change normally.
    const fresh = collect();
    store.watch({ key: '/apisix/', rangeEnd: '/apisix0', startRevision: 52 }, fresh.listener);
    store.applyResources(state([route('r1', '/b')]));
    expect(fresh.messages.map((m) => m.kind)).toEqual(['created', 'events']);
    expect(fresh.messages[1]).toMatchObject({ revision: 52 });
  });

  it('store - range: exact, prefix, missing, limit, count_only, keys_only, sort and filters', () => {
    const store = new ConfigStore();
    store.applyResources(state([route('r2', '/b'), route('r1', '/a'), route('r3', '/c')]));
    store.applyResources(state([route('r2', '/b'), route('r1', '/a2'), route('r3', '/c')]));
    const routes = store.range({ key: '/apisix/routes/', rangeEnd: '/apisix/routes0' });
    expect(routes.kvs.map((kv) => kv.key)).toEqual(['/apisix/routes/', '/apisix/routes/r1', '/apisix/routes/r2', '/apisix/routes/r3']);
    expect(routes).toMatchObject({ revision: 3, count: 4, more: false });
    expect(store.range({ key: '/apisix/' })).toEqual({ revision: 3, kvs: [], count: 0, more: false });
    expect(store.range({ key: '/apisix/routes/r2' }).kvs.map((kv) => kv.key)).toEqual(['/apisix/routes/r2']);
    const limited = store.range({ key: '/apisix/routes/', rangeEnd: '/apisix/routes0', limit: 2 });
    expect(limited).toMatchObject({ count: 4, more: true });
    expect(limited.kvs).toHaveLength(2);
    expect(store.range({ key: '/apisix', rangeEnd: '/apisiy', countOnly: true })).toMatchObject({ kvs: [], count: APISIX_ETCD_DIRECTORIES.length + 4 });
    expect(store.range({ key: '/apisix/routes/r1', keysOnly: true }).kvs[0]?.value.length).toBe(0);
    const byMod = store.range({ key: '/apisix/routes/r', rangeEnd: '/apisix/routes/s', sortTarget: 'MOD', sortOrder: 'DESCEND' });
    expect(byMod.kvs[0]?.key).toBe('/apisix/routes/r1');
    expect(store.range({ key: '/apisix/routes/r', rangeEnd: '/apisix/routes/s', minModRevision: 3 }).kvs.map((kv) => kv.key)).toEqual([
      '/apisix/routes/r1',
    ]);
    expect(store.range({ key: '/apisix/routes/r3', rangeEnd: '\0' }).kvs.map((kv) => kv.key)).toContain('/apisix/upstreams/u1');
  });

  it('store - historical reads within history, compacted and future errors outside it', () => {
    const store = new ConfigStore({ historyRevisions: 3 });
    store.applyResources(state([route('r1', '/a')])); // 2
    store.applyResources(state([route('r1', '/b')])); // 3
    store.applyResources(state([route('r1', '/b'), route('r2', '/x')])); // 4
    store.applyResources(state([route('r2', '/x')])); // 5, r1 deleted
    const at3 = store.range({ key: '/apisix/routes/r', rangeEnd: '/apisix/routes/s', revision: 3 });
    expect(at3.revision).toBe(5);
    expect(at3.kvs.map((kv) => [kv.key, kv.value.toString(), kv.modRevision])).toEqual([['/apisix/routes/r1', '{"id":"r1","upstream_id":"u1","uri":"/b"}', 3]]);
    const at4 = store.range({ key: '/apisix/routes/r', rangeEnd: '/apisix/routes/s', revision: 4 });
    expect(at4.kvs.map((kv) => kv.key)).toEqual(['/apisix/routes/r1', '/apisix/routes/r2']);
    expect(() => store.range({ key: '/apisix/routes/r1', revision: 2 })).toThrow(RevisionCompactedError);
    expect(() => store.range({ key: '/apisix/routes/r1', revision: 6 })).toThrow(FutureRevisionError);
  });

  it('store - watch: created, replay in one message, one message per revision, deletes without value, filters', () => {
    const store = new ConfigStore();
    store.applyResources(state([route('r1', '/a')])); // 2
    store.applyResources(state([route('r1', '/b'), route('r2', '/b')])); // 3
    const all = collect();
    store.watch({ key: '/apisix/', rangeEnd: '/apisix0', startRevision: 3 }, all.listener);
    expect(all.messages[0]).toEqual({ kind: 'created', revision: 3 });
    expect(all.messages[1]).toMatchObject({ kind: 'events', revision: 3 });
    const replay = all.messages[1];
    if (replay?.kind !== 'events') throw new Error('expected events');
    expect(replay.events.map((e) => [e.type, e.kv.key, e.kv.modRevision])).toEqual([
      ['PUT', '/apisix/routes/r1', 3],
      ['PUT', '/apisix/routes/r2', 3],
    ]);
    expect(replay.events[0]?.prevKv).toBeUndefined();

    const deletesOnly = collect();
    store.watch({ key: '/apisix/routes/', rangeEnd: '/apisix/routes0', noPut: true, prevKv: true }, deletesOnly.listener);
    store.applyResources(state([route('r2', '/b')])); // 4: delete r1
    store.applyResources(state([route('r2', '/c')])); // 5: put r2
    expect(all.messages.slice(2).map((m) => (m.kind === 'events' ? [m.revision, m.events.map((e) => e.type)] : m))).toEqual([
      [4, ['DELETE']],
      [5, ['PUT']],
    ]);
    const del = all.messages[2];
    if (del?.kind !== 'events') throw new Error('expected events');
    expect(del.events[0]?.kv).toMatchObject({ key: '/apisix/routes/r1', modRevision: 4, version: 0 });
    expect(del.events[0]?.kv.value.length).toBe(0);
    expect(deletesOnly.messages.map((m) => m.kind)).toEqual(['created', 'events']);
    const onlyDelete = deletesOnly.messages[1];
    if (onlyDelete?.kind !== 'events') throw new Error('expected events');
    expect(onlyDelete.events[0]?.prevKv?.value.toString()).toContain('"/b"');
  });

  it('store - a watch from a trimmed revision is cancelled with the compact revision; a cancelled watch gets nothing', () => {
    const store = new ConfigStore({ historyRevisions: 2 });
    for (const uri of ['/1', '/2', '/3', '/4']) store.applyResources(state([route('r1', uri)])); // 2..5
    expect(store.compactRevision).toBe(4);
    const old = collect();
    store.watch({ key: '/apisix/', rangeEnd: '/apisix0', startRevision: 3 }, old.listener);
    expect(old.messages).toEqual([{ kind: 'created', revision: 5 }, { kind: 'compacted', compactRevision: 4 }]);
    const ok = collect();
    const watch = store.watch({ key: '/apisix/', rangeEnd: '/apisix0', startRevision: 4 }, ok.listener);
    expect(ok.messages[1]).toMatchObject({ kind: 'events', revision: 5 });
    watch.cancel();
    store.applyResources(state([route('r1', '/5')]));
    expect(ok.messages).toHaveLength(2);
    expect(store.stats()).toMatchObject({ revision: 6, watchers: 0, historyRevisions: 2 });
  });

  it('store - a new store replays from revision 1; a future start revision waits for that revision', () => {
    const fresh = new ConfigStore();
    fresh.applyResources(state([route('r1', '/a')]));
    const all = collect();
    fresh.watch({ key: '/apisix/routes/r1', startRevision: 1 }, all.listener);
    expect(all.messages.map((m) => (m.kind === 'events' ? [m.revision, m.events.length] : m.kind))).toEqual(['created', [2, 1]]);

    const store = new ConfigStore();
    const future = collect();
    store.watch({ key: '/apisix/', rangeEnd: '/apisix0', startRevision: 3 }, future.listener);
    store.applyResources(state([route('r1', '/a')])); // 2: skipped
    store.applyResources(state([route('r1', '/b')])); // 3
    expect(future.messages.map((m) => (m.kind === 'events' ? m.revision : m.kind))).toEqual(['created', 3]);
  });

  it('store - entries given as text or bytes compare by content', () => {
    const store = new ConfigStore();
    store.applyEntries(new Map([['/apisix/routes/a', Buffer.from('{"id":"a"}')]]));
    expect(store.applyEntries(new Map([['/apisix/routes/a', '{"id":"a"}']])).changed).toBe(false);
    expect(store.applyEntries(new Map([['/apisix/routes/a', '{"id":"a"}']])).changed).toBe(false);
    expect(store.applyEntries(new Map([['/apisix/routes/a', Buffer.from('{"id":"b"}')]])).changed).toBe(true);
    expect(store.applyEntries(new Map([['/apisix/routes/a', '{"id":"b"}']])).changed).toBe(false);
    expect(store.get('/apisix/routes/a')).toMatchObject({ modRevision: 3, version: 2 });
  });

  it('store - rejects invalid ids and duplicates', () => {
    const store = new ConfigStore();
    expect(() => store.applyResources(state([route('bad id', '/a')]))).toThrow(InvalidResourceError);
    expect(() => store.applyResources(state([route('r1', '/a'), route('r1', '/b')]))).toThrow(InvalidResourceError);
    expect(store.revision).toBe(1);
  });
  it('store - applyChanges changes only the given keys, with the same revisions, events and reads as a whole-state apply', () => {
    const whole = new ConfigStore();
    const delta = new ConfigStore();
    const first = new Map<string, string>([['/apisix/routes/', 'init_dir'], ['/apisix/routes/a', '{"id":"a"}'], ['/apisix/routes/c', '{"id":"c"}']]);
    whole.applyEntries(first);
    delta.applyEntries(first);
    const seen = collect();
    delta.watch({ key: '/apisix/', rangeEnd: '/apisix0', prevKv: true }, seen.listener);
    // Add b, change c, delete a, leave the placeholder: one revision.
    const next = new Map<string, string>([['/apisix/routes/', 'init_dir'], ['/apisix/routes/b', '{"id":"b"}'], ['/apisix/routes/c', '{"id":"c","v":2}']]);
    expect(delta.applyChanges(new Map([['/apisix/routes/b', '{"id":"b"}'], ['/apisix/routes/c', '{"id":"c","v":2}'], ['/apisix/routes/a', null]]))).toEqual(whole.applyEntries(next));
    const all = { key: '/apisix/', rangeEnd: '/apisix0' };
    expect(delta.range(all)).toEqual(whole.range(all));
    expect(delta.range({ ...all, revision: 2 })).toEqual(whole.range({ ...all, revision: 2 }));
    expect(seen.messages.map((m) => (m.kind === 'events' ? [m.revision, m.events.map((e) => `${e.type} ${e.kv.key}`)] : m.kind))).toEqual([
      'created',
      [3, ['DELETE /apisix/routes/a', 'PUT /apisix/routes/b', 'PUT /apisix/routes/c']],
    ]);
    // Nothing new (same text, or deleting what is not there): no revision.
    expect(delta.applyChanges(new Map([['/apisix/routes/b', '{"id":"b"}'], ['/apisix/routes/zz', null]]))).toMatchObject({ changed: false, revision: 3 });
    expect(delta.stats().keys).toBe(3);
  });
});
