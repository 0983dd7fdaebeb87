/**
 * Public contract of @weft/apisix: APISIX's two config stores (facts: shared/apisix-contract.md §1, §2).
 *
 * ```
 *  ApisixResources ──applyResources()──▶ ConfigStore (revisioned KV, bounded history)
 *                                          │  range / watch
 *                          ┌───────────────┴────────────────┐
 *                 etcd v3 HTTP/JSON gateway          etcd gRPC (KV.Range, Watch.Watch)
 *                 (what APISIX speaks)               (what etcdctl speaks)
 *                          └───────── one loopback port ────┘
 *
 *  ApisixResources ──writeApisixYaml()──▶ conf/apisix.yaml (standalone mode)
 * ```
 *
 * Keys are byte strings carried as JS "binary" strings (one char per byte, `latin1`), so plain string comparison is
 * etcd's byte order. Values are bytes (Buffer). Revisions are JS numbers (safe up to 2^53).
 *
 * Wiring in the agent (etcd mode):
 *   const store = new ConfigStore({ revisionFloor: persistedRevision });     // 0 on a first start
 *   store.applyResources(lastAppliedSnapshot.resources);                      // restore from disk: the baseline
 *   const server = await startEtcdServer(store, { logger, port: 2379 });      // APISIX + etcdctl endpoint
 *   per snapshot: persist(store.nextRevision()) (write-ahead, fsync), then store.applyResources(snapshot.resources)
 * A watcher APISIX opened before the restart gets a compaction cancel and reloads everything; revisions only go up.
 * Standalone mode: `await writeApisixYaml(<apisix_home>/conf/apisix.yaml, snapshot.resources)`.
 * Resource objects must not be mutated after being applied (their JSON is cached per object).
 *
 * Deliberate differences from etcd 3.6 (all else is checked equal by e2e/src/scenarios/etcd-api.test.ts):
 * error bodies carry `error` (= `message`) besides grpc-gateway v2's `code`/`message`, as etcd <= 3.5 did; writes,
 * leases and compaction answer 403 "etcdserver: permission denied" (read-only mirror); a gateway watch body without
 * `create_request` gets 400 (etcd stays silent); progress_notify is ignored (APISIX never sets it).
 */
import type { Logger } from '@weft/telemetry';

/** One key as etcd's mvccpb.KeyValue describes it. */
export interface KeyValue {
  /** Key bytes as a latin1 string. */
  readonly key: string;
  /** The value's bytes; a store may encode them at each read (read it once per use). */
  readonly value: Buffer;
  /** Revision of the put that created the key (since its last delete). */
  readonly createRevision: number;
  /** Revision of the last put that changed the value. Unchanged values keep it. */
  readonly modRevision: number;
  /** Number of changes since creation; 1 on creation. */
  readonly version: number;
}

/** One change in the store's history. A DELETE carries only `key` and `modRevision` (the delete's revision) on the wire. */
export interface StoreEvent {
  readonly type: 'PUT' | 'DELETE';
  /** For PUT: the new key-value; for DELETE: the key with `modRevision` = revision of the delete, empty value. */
  readonly kv: KeyValue;
  /** The key-value before this change (absent for a creation). */
  readonly prevKv?: KeyValue;
}

/** Options of `new ConfigStore()`. */
export interface ConfigStoreOptions {
  /** Key prefix, `deployment.etcd.prefix` of APISIX. Default `/apisix`. */
  readonly prefix?: string;
  /**
   * The last revision this store (or an earlier run of it) may have handed out, persisted by the caller.
   * The store starts at revision `max(1, revisionFloor)` and every change gets a larger revision.
   * When > 0 the store does not know what a client saw before: its first `applyResources` is a baseline
   * that no watcher can replay, so a watcher from before it is cancelled with a compaction and APISIX reloads.
   */
  readonly revisionFloor?: number;
  /** Revisions of history kept for watch replay and historical reads. Default 1000. */
  readonly historyRevisions?: number;
  /** Events of history kept (a bound on memory). Default 100 000. */
  readonly historyEvents?: number;
  /** Write the `<prefix>/<dir>/` = "init_dir" placeholders APISIX's preload splits on (contract §1.5). Default true. */
  readonly dirPlaceholders?: boolean;
}

/** Options of `ConfigStore.applyResources` / `applyEntries`. */
export interface ApplyOptions {
  /** The new revision is greater than this (e.g. a persisted revision or a snapshot version). */
  readonly revisionFloor?: number;
}

/** What one apply did. */
export interface ApplyResult {
  /** Current revision after the apply (unchanged when nothing changed). */
  readonly revision: number;
  /** Whether a new revision was made. */
  readonly changed: boolean;
  readonly puts: number;
  readonly deletes: number;
  /** True when this apply was the baseline of a store started with a floor (no watcher can replay it). */
  readonly baseline: boolean;
}

/** A key range as etcd defines it: `rangeEnd` empty = the single key; "\0" = every key >= key. */
export interface KeyRange {
  readonly key: string;
  readonly rangeEnd?: string;
}

export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

/** etcd RangeRequest (numbers already parsed). */
export interface RangeQuery extends KeyRange {
  readonly limit?: number;
  /** Point-in-time read; 0 or absent = now. */
  readonly revision?: number;
  readonly sortOrder?: SortOrder;
  readonly sortTarget?: SortTarget;
  readonly keysOnly?: boolean;
  readonly countOnly?: boolean;
  readonly minModRevision?: number;
  readonly maxModRevision?: number;
  readonly minCreateRevision?: number;
  readonly maxCreateRevision?: number;
}

export interface RangeResult {
  /** Current revision of the store (etcd answers the current one even for historical reads). */
  readonly revision: number;
  /** Matched key-values, empty for countOnly; values are empty Buffers for keysOnly. */
  readonly kvs: readonly KeyValue[];
  /** Keys in the range (before limit). */
  readonly count: number;
  /** More keys matched than `limit` returned. */
  readonly more: boolean;
}

/** A watch as etcd's WatchCreateRequest describes it. */
export interface WatchQuery extends KeyRange {
  /** First revision to deliver (inclusive); 0/absent = changes after now. */
  readonly startRevision?: number;
  /** Drop PUT / DELETE events (etcd filters NOPUT / NODELETE). */
  readonly noPut?: boolean;
  readonly noDelete?: boolean;
  /** Attach the previous key-value to each event. */
  readonly prevKv?: boolean;
}

/** What a watcher receives, in order. `created` always comes first, then events or one `compacted` (the end). */
export type WatchMessage =
  | { readonly kind: 'created'; readonly revision: number }
  | { readonly kind: 'events'; readonly revision: number; readonly events: readonly StoreEvent[] }
  | { readonly kind: 'compacted'; readonly compactRevision: number };

export interface StoreWatch {
  /** Stop delivering; idempotent. */
  cancel(): void;
}

export interface StoreStats {
  readonly revision: number;
  /** Lowest start_revision a watch may replay from; lower starts get a compaction cancel. */
  readonly compactRevision: number;
  readonly keys: number;
  readonly historyRevisions: number;
  readonly historyEvents: number;
  readonly watchers: number;
}

/** Identity fields of every etcd response header (uint64 decimal strings, as etcd sends them). */
export interface EtcdIdentity {
  readonly clusterId: string;
  readonly memberId: string;
  readonly raftTerm: string;
}

/** Options of `startEtcdServer()`. */
export interface EtcdServerOptions {
  readonly logger: Logger;
  /** Listen address; loopback by default (APISIX runs in the same pod). */
  readonly host?: string;
  /** 0 = ephemeral. Default 2379. */
  readonly port?: number;
  /** Serve etcd's gRPC KV.Range and Watch.Watch on the same port (HTTP/2 prior knowledge). Default true. */
  readonly grpc?: boolean;
  readonly identity?: Partial<EtcdIdentity>;
  /** `GET /version` answer. Default `{etcdserver: "3.6.0", etcdcluster: "3.6.0"}` (APISIX's CLI needs >= 3.4.0). */
  readonly version?: { readonly etcdserver: string; readonly etcdcluster: string };
  /** A watch stream whose unsent bytes pass this is closed (the client reconnects and replays). Default 32 MiB. */
  readonly maxWatchBacklogBytes?: number;
}

export interface EtcdServer extends AsyncDisposable {
  /** `http://host:port`, the value for APISIX's `deployment.etcd.host` and `etcdctl --endpoints`. */
  readonly endpoint: string;
  readonly port: number;
  /** Open watch streams (HTTP + gRPC). */
  watchStreams(): number;
  /** Closes listeners, ends every watch stream and open connection. */
  close(): Promise<void>;
}

/** Options of `writeApisixYaml()`. */
export interface WriteApisixYamlOptions {
  /** Injected clock (ms) for tests; default Date.now. */
  readonly now?: () => number;
}

export interface WriteApisixYamlResult {
  readonly path: string;
  /** The file's mtime in whole seconds, strictly greater than the previous file's. */
  readonly mtimeSeconds: number;
  readonly bytes: number;
}
