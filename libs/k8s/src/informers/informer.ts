import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@weft/telemetry';
import { KubeApiError, METADATA_ONLY_ACCEPT } from '../client/kube-http.js';
import type { KubeHttp, KubeList, WatchEvent } from '../client/kube-http.js';
import { objectKey } from '../client/kube-object.js';
import type { KubeObject } from '../client/kube-object.js';
import { Backoff } from './backoff.js';
import { collectionPath } from './resource-types.js';
import type { ResourceType } from './resource-types.js';

/** One change to an informer's store. */
export type InformerChange =
  | { readonly type: 'upsert'; readonly key: string; readonly object: KubeObject }
  | { readonly type: 'delete'; readonly key: string; readonly object: KubeObject };

export interface InformerOptions {
  readonly log: Logger;
  /** Page size of lists. */
  readonly pageSize?: number;
  /** Server-side watch timeout; the informer re-watches from its resourceVersion when it ends. */
  readonly watchTimeoutSeconds?: number;
  /** Delay before re-listing an optional kind whose CRD is not installed. */
  readonly missingRetryMs?: number;
  readonly backoff?: Backoff;
  /** Only this namespace (a namespaced kind); every namespace when absent. */
  readonly namespace?: string;
  /** Only objects matching this label selector (the API server's syntax, e.g. `app=x`). */
  readonly labelSelector?: string;
  /** Only objects matching this field selector (e.g. `metadata.name=x`: one object, which RBAC can grant by name). */
  readonly fieldSelector?: string;
  /**
   * Read objects as PartialObjectMetadata and keep only their identity (name, namespace, uid, resourceVersion,
   * deletionTimestamp): for indexes such as name → uid over every pod of a cluster, where labels, annotations and
   * managedFields would be most of the memory.
   */
  readonly metadataOnly?: boolean;
}

export interface InformerStats {
  readonly lists: number;
  readonly relistsAfterGone: number;
  readonly watchErrors: number;
  readonly events: number;
  /** Epoch ms of the newest event, bookmark or list applied. */
  readonly lastSyncAt: number | undefined;
}

/**
 * List + watch of one kind with a local store: lists (paged), then watches from the list's resourceVersion with
 * bookmarks; re-watches from the newest resourceVersion when a watch ends; re-lists when the server answers
 * 410 Gone; after any other error waits with backoff and tries again. The store only changes through `onChange`.
 */
export class Informer {
  private readonly store = new Map<string, KubeObject>();
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private syncedOnce = false;
  private missing = false;
  private readonly backoff: Backoff;
  private stats: InformerStats = { lists: 0, relistsAfterGone: 0, watchErrors: 0, events: 0, lastSyncAt: undefined };
  private readonly log: Logger;

  constructor(
    private readonly http: KubeHttp,
    readonly type: ResourceType,
    private readonly onChange: (changes: readonly InformerChange[]) => void,
    private readonly options: InformerOptions,
  ) {
    this.backoff = options.backoff ?? new Backoff();
    this.log = options.log.child({ kind: type.kind });
  }

  /** True once the first list has been applied (or the optional kind is known to be absent). */
  get synced(): boolean {
    return this.syncedOnce;
  }

  /** True while an optional kind's CRD is not installed. */
  get absent(): boolean {
    return this.missing;
  }

  get size(): number {
    return this.store.size;
  }

  getStats(): InformerStats {
    return this.stats;
  }

  objects(): IterableIterator<KubeObject> {
    return this.store.values();
  }

  start(): void {
    if (this.running !== undefined) return;
    this.abort = new AbortController();
    this.running = this.loop(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    this.running = undefined;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    // A function, not the property: TypeScript would narrow `signal.aborted` to false inside the loop.
    const stopped = (): boolean => signal.aborted;
    while (!stopped()) {
      try {
        if (this.resourceVersion === undefined) await this.list(signal);
        if (this.missing) {
          await delay(this.options.missingRetryMs ?? 10_000, undefined, { signal });
          this.resourceVersion = undefined;
          continue;
        }
        await this.watch(signal);
      } catch (err) {
        if (stopped()) return;
        if (err instanceof KubeApiError && err.status === 410) {
          // Our resourceVersion is older than etcd's compaction window: start over from a fresh list.
          this.stats = { ...this.stats, relistsAfterGone: this.stats.relistsAfterGone + 1 };
          this.log.info({ resourceVersion: this.resourceVersion }, 'watch expired (410 Gone), relisting');
          this.resourceVersion = undefined;
          continue;
        }
        this.stats = { ...this.stats, watchErrors: this.stats.watchErrors + 1 };
        const wait = this.backoff.next();
        this.log.warn({ err: (err as Error).message, retryInMs: wait }, 'list/watch failed, retrying');
        try {
          await delay(wait, undefined, { signal });
        } catch {
          return;
        }
      }
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    const base = collectionPath(this.type, this.options.namespace);
    do {
      const query = new URLSearchParams({ limit: String(this.options.pageSize ?? 500) });
      if (this.options.labelSelector !== undefined) query.set('labelSelector', this.options.labelSelector);
      if (this.options.fieldSelector !== undefined) query.set('fieldSelector', this.options.fieldSelector);
      if (cont !== undefined) query.set('continue', cont);
      let page: KubeList;
      try {
        page = await this.http.json<KubeList>('GET', `${base}?${query.toString()}`, undefined, undefined, this.options.metadataOnly === true ? { accept: METADATA_ONLY_ACCEPT.list } : {});
      } catch (err) {
        if (this.type.optional && err instanceof KubeApiError && err.status === 404) {
          this.markAbsent();
          return;
        }
        // An expired continue token: the list restarts from the beginning on the next loop.
        throw err;
      }
      if (signal.aborted) return;
      for (const item of page.items ?? []) items.push({ ...item, apiVersion: this.type.apiVersion, kind: this.type.kind });
      cont = page.metadata?.continue === '' ? undefined : page.metadata?.continue;
      rv = page.metadata?.resourceVersion;
    } while (cont !== undefined);
    this.missing = false;
    this.replaceAll(items);
    this.resourceVersion = rv;
    this.stats = { ...this.stats, lists: this.stats.lists + 1, lastSyncAt: Date.now() };
    this.syncedOnce = true;
    this.backoff.reset();
  }

  private markAbsent(): void {
    if (!this.missing) this.log.info('kind not served by the API server (CRD not installed); will check again');
    this.missing = true;
    this.replaceAll([]);
    this.syncedOnce = true;
  }

  private replaceAll(listed: readonly KubeObject[]): void {
    const changes: InformerChange[] = [];
    const seen = new Set<string>();
    const items = this.options.metadataOnly === true ? listed.map(identityOf) : listed;
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.store.get(key);
      if (old === undefined || old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        this.store.set(key, obj);
        changes.push({ type: 'upsert', key, object: obj });
      }
    }
    for (const [key, obj] of this.store) {
      if (!seen.has(key)) {
        this.store.delete(key);
        changes.push({ type: 'delete', key, object: obj });
      }
    }
    if (changes.length > 0 || !this.syncedOnce) this.onChange(changes);
  }

  private async watch(signal: AbortSignal): Promise<void> {
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
    const query = new URLSearchParams({
      watch: 'true',
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeoutSeconds),
      resourceVersion: this.resourceVersion ?? '',
    });
    if (this.options.labelSelector !== undefined) query.set('labelSelector', this.options.labelSelector);
    if (this.options.fieldSelector !== undefined) query.set('fieldSelector', this.options.fieldSelector);
    const path = `${collectionPath(this.type, this.options.namespace)}?${query.toString()}`;
    // The socket may stay quiet between bookmarks; allow the whole server-side timeout plus a margin.
    const accept = this.options.metadataOnly === true ? METADATA_ONLY_ACCEPT.watch : undefined;
    for await (const event of this.http.watch(path, signal, (timeoutSeconds + 30) * 1000, accept)) {
      this.apply(event);
    }
  }

  private apply(event: WatchEvent): void {
    this.stats = { ...this.stats, events: this.stats.events + 1, lastSyncAt: Date.now() };
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number; message?: string; reason?: string };
      throw new KubeApiError(`watch ${this.type.kind}: ${status.message ?? 'error event'}`, status.code ?? 500, status.reason);
    }
    const rv = event.object.metadata?.resourceVersion;
    if (rv !== undefined) this.resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    const received: KubeObject = { ...event.object, apiVersion: this.type.apiVersion, kind: this.type.kind };
    const obj = this.options.metadataOnly === true ? identityOf(received) : received;
    const key = objectKey(obj);
    if (event.type === 'DELETED') {
      this.store.delete(key);
      this.onChange([{ type: 'delete', key, object: obj }]);
    } else {
      this.store.set(key, obj);
      this.onChange([{ type: 'upsert', key, object: obj }]);
    }
    this.backoff.reset();
  }
}

/** An object cut down to what identifies it (the metadataOnly option). */
function identityOf(obj: KubeObject): KubeObject {
  const m = obj.metadata ?? {};
  return {
    ...(obj.apiVersion === undefined ? {} : { apiVersion: obj.apiVersion }),
    ...(obj.kind === undefined ? {} : { kind: obj.kind }),
    metadata: {
      ...(m.name === undefined ? {} : { name: m.name }),
      ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
      ...(m.uid === undefined ? {} : { uid: m.uid }),
      ...(m.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
      ...(m.deletionTimestamp === undefined ? {} : { deletionTimestamp: m.deletionTimestamp }),
    },
  };
}
