import type { ApisixResources } from '@weft/model';
import type {
  ApplyOptions,
  ApplyResult,
  ConfigStoreOptions,
  KeyValue,
  RangeQuery,
  RangeResult,
  StoreEvent,
  StoreStats,
  StoreWatch,
  WatchMessage,
  WatchQuery,
} from './contract.js';
import { FutureRevisionError, RevisionCompactedError } from './errors.js';
import { History } from './history.js';
import type { RevisionRecord } from './history.js';
import { DEFAULT_PREFIX, keyInRange, resourcesToEntries } from './key-layout.js';
import { finishRange, selectRange } from './range-query.js';

const EMPTY = Buffer.alloc(0);

interface Watcher {
  readonly query: WatchQuery;
  readonly listener: (message: WatchMessage) => void;
  /** Lowest revision this watcher still has to receive. */
  next: number;
}

/**
 * APISIX's config store: an in-memory, revisioned key-value map with etcd's semantics (one global revision,
 * create/mod revision and version per key, history for watch replay, a compact revision below which replay is
 * impossible). The whole desired state is applied as one revision, so a watcher sees one message per version.
 */
/** The DELETE event of `key` (held as `prev`) at `revision`: etcd sends deletes without a value. */
function deleteEvent(key: string, prev: KeyValue, revision: number): StoreEvent {
  return { type: 'DELETE', kv: { key, value: EMPTY, createRevision: 0, modRevision: revision, version: 0 }, prevKv: prev };
}

/**
 * A key set from text (every resource the agent serves): the store keeps that one string, usually the very string the
 * applier holds, and encodes it only when a range or watch serves it. A second copy as bytes cost a 10,000-Service
 * scope ~10 MB of resident memory for values read once at APISIX's start.
 */
class TextKeyValue implements KeyValue {
  constructor(
    readonly key: string,
    readonly text: string,
    readonly createRevision: number,
    readonly modRevision: number,
    readonly version: number,
  ) {}

  get value(): Buffer {
    return Buffer.from(this.text, 'utf8');
  }
}

/** Whether `prev` already holds `raw`; text against text compares the strings, without encoding either. */
function holds(prev: KeyValue, raw: string | Buffer): boolean {
  if (typeof raw === 'string') return prev instanceof TextKeyValue ? prev.text === raw : prev.value.equals(Buffer.from(raw, 'utf8'));
  return prev.value.equals(raw);
}

export class ConfigStore {
  readonly prefix: string;
  private readonly dirPlaceholders: boolean;
  private readonly kvs = new Map<string, KeyValue>();
  private sortedKeys: string[] = [];
  private current: number;
  private readonly history: History;
  /** Started on a persisted floor: the first apply is a baseline no watcher can replay. */
  private pendingBaseline: boolean;
  private readonly watchers = new Set<Watcher>();

  constructor(options: ConfigStoreOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.dirPlaceholders = options.dirPlaceholders ?? true;
    const floor = Math.max(0, Math.trunc(options.revisionFloor ?? 0));
    this.current = Math.max(1, floor);
    this.pendingBaseline = floor > 0;
    // A new store (no floor) knows its whole history, like a new etcd; one on a floor knows nothing at or below it.
    const firstReplayable = floor > 0 ? this.current + 1 : 1;
    this.history = new History(firstReplayable, options.historyRevisions ?? 1000, options.historyEvents ?? 100_000);
  }

  /** Current revision (etcd's header.revision). Persist it: it is the next run's `revisionFloor`. */
  get revision(): number {
    return this.current;
  }

  /**
   * The revision the next apply that changes something will take. Persist it BEFORE applying (write-ahead): a crash
   * between apply and persist must never let the next run reuse a revision APISIX has already seen.
   */
  nextRevision(options: ApplyOptions = {}): number {
    return Math.max(this.current, Math.trunc(options.revisionFloor ?? 0)) + 1;
  }

  /** Lowest revision a watch can start from (etcd's compact revision as watchers see it). */
  get compactRevision(): number {
    return this.history.firstReplayable;
  }

  /** Makes the store hold exactly `resources` (plus dir placeholders), all changes in one new revision. */
  applyResources(resources: ApisixResources, options: ApplyOptions = {}): ApplyResult {
    return this.applyEntries(resourcesToEntries(resources, { prefix: this.prefix, dirPlaceholders: this.dirPlaceholders }), options);
  }

  /**
   * Makes the store hold exactly `entries` (key → value text or bytes) as one revision step: keys not in
   * `entries` are deleted, changed values get the new revision, equal values keep theirs. No change = no revision.
   */
  applyEntries(entries: ReadonlyMap<string, string | Buffer>, options: ApplyOptions = {}): ApplyResult {
    const baseline = this.pendingBaseline;
    const revision = this.nextRevision(options);
    const events: StoreEvent[] = [];
    for (const [key, prev] of this.kvs) if (!entries.has(key)) events.push(deleteEvent(key, prev, revision));
    for (const [key, raw] of entries) {
      const event = this.putEvent(key, raw, revision);
      if (event !== undefined) events.push(event);
    }
    let puts = 0;
    if (events.length === 0 && !baseline) return { revision: this.current, changed: false, puts: 0, deletes: 0, baseline: false };

    events.sort((a, b) => (a.kv.key < b.kv.key ? -1 : a.kv.key > b.kv.key ? 1 : 0));
    let keySetChanged = false;
    for (const event of events) {
      if (event.type === 'PUT') {
        keySetChanged ||= event.prevKv === undefined;
        this.kvs.set(event.kv.key, event.kv);
        puts++;
      } else {
        keySetChanged = true;
        this.kvs.delete(event.kv.key);
      }
    }
    if (keySetChanged) this.sortedKeys = [...this.kvs.keys()].sort();
    return this.commit({ revision, events }, baseline, puts);
  }

  /**
   * Changes only the keys given (value text or bytes, or null to delete) as one revision step; other keys keep
   * their values. Unchanged values and deletes of absent keys are skipped; no change = no revision. Costs
   * O(changed keys) plus moving the sorted key list, where `applyEntries` compares every key: for states that
   * arrive as deltas.
   */
  applyChanges(changes: ReadonlyMap<string, string | Buffer | null>, options: ApplyOptions = {}): ApplyResult {
    const baseline = this.pendingBaseline;
    const revision = this.nextRevision(options);
    const events: StoreEvent[] = [];
    for (const [key, raw] of changes) {
      if (raw === null) {
        const prev = this.kvs.get(key);
        if (prev !== undefined) events.push(deleteEvent(key, prev, revision));
        continue;
      }
      const event = this.putEvent(key, raw, revision);
      if (event !== undefined) events.push(event);
    }
    if (events.length === 0 && !baseline) return { revision: this.current, changed: false, puts: 0, deletes: 0, baseline: false };
    events.sort((a, b) => (a.kv.key < b.kv.key ? -1 : a.kv.key > b.kv.key ? 1 : 0));
    let puts = 0;
    for (const event of events) {
      const { key } = event.kv;
      if (event.type === 'PUT') {
        if (event.prevKv === undefined) this.sortedKeys.splice(sortedIndex(this.sortedKeys, key), 0, key);
        this.kvs.set(key, event.kv);
        puts++;
      } else {
        this.sortedKeys.splice(sortedIndex(this.sortedKeys, key), 1);
        this.kvs.delete(key);
      }
    }
    return this.commit({ revision, events }, baseline, puts);
  }

  /** The PUT event that sets `key` to `raw` at `revision`, or undefined when it already holds that value. */
  private putEvent(key: string, raw: string | Buffer, revision: number): StoreEvent | undefined {
    const prev = this.kvs.get(key);
    if (prev !== undefined && holds(prev, raw)) return undefined;
    const createRevision = prev?.createRevision ?? revision;
    const version = (prev?.version ?? 0) + 1;
    const kv: KeyValue =
      typeof raw === 'string' ? new TextKeyValue(key, raw, createRevision, revision, version) : { key, value: raw, createRevision, modRevision: revision, version };
    return prev ? { type: 'PUT', kv, prevKv: prev } : { type: 'PUT', kv };
  }

  /** Makes `record` the current revision: history, watchers, or the baseline after a restart. */
  private commit(record: RevisionRecord, baseline: boolean, puts: number): ApplyResult {
    const { revision, events } = record;
    this.current = revision;
    if (baseline) {
      this.pendingBaseline = false;
      this.history.reset(revision + 1);
      // Whoever watches learned its state before this store knew anything: only a full reload is safe.
      for (const watcher of [...this.watchers]) this.endWithCompaction(watcher);
    } else {
      this.history.append(record);
      this.deliver(record);
      // History trimmed past a watcher that has not caught up (cannot happen for synchronous listeners, kept for safety).
      for (const watcher of [...this.watchers]) if (watcher.next < this.history.firstReplayable) this.endWithCompaction(watcher);
    }
    return { revision, changed: true, puts, deletes: events.length - puts, baseline };
  }

  /** One key's current value, or undefined. */
  get(key: string): KeyValue | undefined {
    return this.kvs.get(key);
  }

  /** etcd's Range: current or historical (within history) read. */
  range(query: RangeQuery): RangeResult {
    const at = query.revision ?? 0;
    if (at <= 0 || at === this.current) {
      return finishRange(selectRange(this.sortedKeys, (k) => this.kvs.get(k), query), query, this.current);
    }
    if (at > this.current) throw new FutureRevisionError(at, this.current);
    // Like etcd: a read below the compact revision fails (the state there could be rebuilt, but etcd refuses it).
    if (at < this.history.firstReplayable) throw new RevisionCompactedError(at, this.history.firstReplayable);
    const past = new Map<string, KeyValue | undefined>();
    const records = this.history.since(at + 1);
    for (let i = records.length - 1; i >= 0; i--) {
      for (const event of records[i]?.events ?? []) {
        if (keyInRange(event.kv.key, query.key, query.rangeEnd)) past.set(event.kv.key, event.prevKv);
      }
    }
    const keys = [...new Set([...selectRange(this.sortedKeys, (k) => this.kvs.get(k), query).map((kv) => kv.key), ...past.keys()])].sort();
    const lookup = (k: string): KeyValue | undefined => (past.has(k) ? past.get(k) : this.kvs.get(k));
    const matched = keys.map(lookup).filter((kv): kv is KeyValue => kv !== undefined);
    return finishRange(matched, query, this.current);
  }

  /**
   * etcd's Watch: `listener` gets `created` at once, then the retained events from `startRevision` in one message
   * (header = current revision), then one message per new revision; or `compacted` when the start is no longer in
   * history (then nothing more). Listeners run synchronously inside `applyEntries` and must not throw.
   */
  watch(query: WatchQuery, listener: (message: WatchMessage) => void): StoreWatch {
    const start = query.startRevision !== undefined && query.startRevision > 0 ? query.startRevision : this.current + 1;
    const watcher: Watcher = { query, listener, next: Math.max(start, this.current + 1) };
    listener({ kind: 'created', revision: this.current });
    if (start < this.history.firstReplayable) {
      listener({ kind: 'compacted', compactRevision: this.history.firstReplayable });
      return { cancel: () => undefined };
    }
    if (start <= this.current) {
      const events = this.history.since(start).flatMap((record) => this.matching(watcher, record.events));
      if (events.length > 0) listener({ kind: 'events', revision: this.current, events });
    }
    this.watchers.add(watcher);
    return { cancel: () => this.watchers.delete(watcher) };
  }

  stats(): StoreStats {
    return {
      revision: this.current,
      compactRevision: this.history.firstReplayable,
      keys: this.kvs.size,
      historyRevisions: this.history.revisionCount,
      historyEvents: this.history.eventCount,
      watchers: this.watchers.size,
    };
  }

  private deliver(record: RevisionRecord): void {
    for (const watcher of [...this.watchers]) {
      if (record.revision < watcher.next) continue;
      watcher.next = record.revision + 1;
      const events = this.matching(watcher, record.events);
      if (events.length > 0) watcher.listener({ kind: 'events', revision: record.revision, events });
    }
  }

  private matching(watcher: Watcher, events: readonly StoreEvent[]): StoreEvent[] {
    const { query } = watcher;
    const out: StoreEvent[] = [];
    for (const event of events) {
      if (!keyInRange(event.kv.key, query.key, query.rangeEnd)) continue;
      if ((event.type === 'PUT' && query.noPut) || (event.type === 'DELETE' && query.noDelete)) continue;
      out.push(query.prevKv || event.prevKv === undefined ? event : { type: event.type, kv: event.kv });
    }
    return out;
  }

  private endWithCompaction(watcher: Watcher): void {
    this.watchers.delete(watcher);
    watcher.listener({ kind: 'compacted', compactRevision: this.history.firstReplayable });
  }
}

/** Position of `key` in a sorted list: its index when present, else where it would go. */
function sortedIndex(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((keys[mid] as string) < key) low = mid + 1;
    else high = mid;
  }
  return low;
}
