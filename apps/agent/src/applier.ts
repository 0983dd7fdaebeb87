import { APISIX_KINDS, SNAPSHOT_SCHEMA } from '@weft/model';
import type { ApisixKind, ApisixResource, SnapshotMeta } from '@weft/model';
import { canonicalJson, compareVersions, ContentState, deltaJson, parseJsonText } from '@weft/snapshot';
import type { EntryChange, ResourceDelta, SnapshotContent, SnapshotProblem } from '@weft/snapshot';

/** Identity of a version as it arrives (the bus's ScopeMeta, or a snapshot file's meta). */
export interface IncomingMeta {
  readonly cluster: string;
  readonly scope: string;
  readonly version: string;
  readonly hash: string;
  readonly baseVersion?: string;
  readonly schema?: string;
}

/** One resource as the config stores hold it: its store value, or undefined when it is gone. */
export interface StoreResource {
  readonly kind: ApisixKind;
  readonly id: string;
  readonly json: string | undefined;
}

/** What the config stores are to serve now. */
export interface StoreUpdate {
  readonly meta: SnapshotMeta;
  /**
   * The resources that changed since the last update the stores took (deleted ones with `json` undefined), or
   * undefined when the stores must take the whole state (the first update, or after a full state was read).
   */
  readonly changes: readonly StoreResource[] | undefined;
  /** Every resource of the state with its store value, for stores that write it whole (apisix.yaml). O(size). */
  all(): Iterable<StoreResource>;
  /** The state's trust bundle (PEM roots), for the mesh TLS objects beside it; absent: unchanged. */
  readonly trustBundle?: readonly string[];
}

/** What to keep on disk for a restart: the published content of the version now served. */
export interface PersistRecord {
  readonly meta: SnapshotMeta;
  /** The published content's canonical JSON, O(size); call it before the next version is handed to the applier. */
  contentJson(): string;
  /** The change from the version persisted before (canonical ResourceDelta JSON), or undefined after a full state. */
  readonly delta: { readonly baseVersion: string; readonly json: string } | undefined;
}

/**
 * Where an accepted version goes: the config store(s). `apply` is what APISIX sees (throws when a store fails);
 * `persist` keeps it for restarts and never throws (a failure is the target's to log).
 */
export interface ApplyTarget {
  apply(update: StoreUpdate): Promise<void>;
  persist(record: PersistRecord): Promise<void>;
}

/**
 * Turns a validated resource into what the stores serve (e.g. a route specialised for this workload's namespace);
 * undefined: not served (absent from the stores). The hash and validation see the published resource; only the store
 * values change. Return the resource itself for no change.
 */
export interface StoreEntryTransform {
  (kind: ApisixKind, resource: ApisixResource): ApisixResource | undefined;
  /**
   * Optional: false when the transform returns the resource itself for this canonical JSON, known from the text
   * alone; the applier then serves the JSON as it is without parsing it again.
   */
  readonly changes?: (kind: ApisixKind, json: string) => boolean;
  /**
   * Optional: the store value from the canonical JSON alone, as canonicalJson(transform(parsed)) would give it
   * (`json` undefined: not served); undefined when the text does not allow it, and the applier parses it instead.
   */
  readonly rewrite?: (kind: ApisixKind, json: string) => { readonly json: string | undefined } | undefined;
}

export type ApplyOutcome =
  /** Served now. `durationMs`: from receipt to the stores applied; `persistMs`: keeping it on disk after that. */
  | { readonly type: 'applied'; readonly meta: SnapshotMeta; readonly durationMs: number; readonly persistMs: number }
  /** Not served; the last good version keeps serving. `reason` is a closed set (a metric label). */
  | { readonly type: 'rejected'; readonly version: string | undefined; readonly reason: RejectReason; readonly error: string }
  /** A delta that cannot be applied here: the caller reads the full state and hands it to `full`. */
  | { readonly type: 'need-full'; readonly reason: string }
  /** Taken as the base for the versions after it, not served: the stores already serve a newer version. */
  | { readonly type: 'held'; readonly version: string; readonly reason: string };

export type RejectReason = 'malformed' | 'hash-mismatch' | 'invalid' | 'too-large' | 'refused' | 'store-failed';

/** The latest content received for a scope, hash-checked (maybe invalid): the base the next delta applies to. */
interface Chain {
  readonly cluster: string;
  readonly scope: string;
  readonly schema: string;
  version: string;
  readonly state: ContentState;
}

export interface SnapshotApplierOptions {
  /** Largest accepted canonical encoding, bytes. */
  readonly maxSnapshotBytes: number;
  /** Clock in ms, for the apply duration. */
  readonly now?: () => number;
  /** Store values of validated resources (default: the published resource). */
  readonly storeEntry?: StoreEntryTransform;
}

/**
 * The agent's apply logic, one version at a time. It keeps one compact copy of the scope (a ContentState: canonical
 * JSON per resource), so a delta costs O(change): applied to that copy, hashed and validated incrementally, then
 * only the changed keys go to the stores. A rejected version leaves the stores serving the last good one; deltas
 * still apply onto the chain (the latest hash-checked content, valid or not), so one bad version does not break the
 * ones after it, and the stores take everything that changed since they last did once a version is good again.
 */
export class SnapshotApplier {
  readonly #target: ApplyTarget;
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #storeEntry: StoreEntryTransform | undefined;
  #chain: Chain | undefined;
  #served: SnapshotMeta | undefined;
  /** Resources changed on the chain since the stores last took an update, `kind id` → kind and id. */
  readonly #unstored = new Map<string, { readonly kind: ApisixKind; readonly id: string }>();
  /** The stores must take the whole chain (it was rebuilt from a full state since they last did). */
  #storeWhole = true;
  /** The trust bundle changed since the last persisted version. */
  #bundleUnstored = false;
  #lastError: string | null = null;
  #lastDurationMs: number | null = null;

  constructor(target: ApplyTarget, options: SnapshotApplierOptions) {
    this.#target = target;
    this.#maxBytes = options.maxSnapshotBytes;
    this.#now = options.now ?? (() => performance.now());
    this.#storeEntry = options.storeEntry;
  }

  /** The version serving now. */
  get served(): SnapshotMeta | undefined {
    return this.#served;
  }

  /** Version of the chain for `scope` (what a subscription may resume from), if the agent holds one. */
  chainVersion(scope: string): string | undefined {
    return this.#chain?.scope === scope ? this.#chain.version : undefined;
  }

  /** Resources held in the chain (0 without one). */
  get resourceCount(): number {
    return this.#chain?.state.size ?? 0;
  }

  /** The last refusal or apply error; null once a version applied cleanly. */
  get lastError(): string | null {
    return this.#lastError;
  }

  get lastDurationMs(): number | null {
    return this.#lastDurationMs;
  }

  /** A version the stores already serve (restored from disk at start): the baseline of the chain. */
  restored(meta: SnapshotMeta, state: ContentState): void {
    this.#served = meta;
    this.#chain = { cluster: meta.cluster, scope: meta.scope, schema: meta.schema, version: meta.version, state };
    this.#storeWhole = false;
    this.#unstored.clear();
    this.#bundleUnstored = false;
  }

  /**
   * A full state: checked, then applied. `document` is the content, or its JSON text (taken apart per resource
   * without building the whole document: see ContentState.fromJson).
   */
  async full(meta: IncomingMeta, document: unknown, receivedAt: number): Promise<ApplyOutcome> {
    let state: ContentState;
    try {
      if (typeof document === 'string') state = ContentState.fromJson(document, meta.hash);
      else {
        const content = document as Partial<SnapshotContent> | null;
        if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new Error('the document is not an object');
        state = ContentState.from({ resources: content.resources ?? {}, trustBundle: content.trustBundle ?? [] });
      }
    } catch (err) {
      this.#chain = undefined;
      return this.#reject(meta.version, 'malformed', `version ${meta.version}: malformed snapshot: ${(err as Error).message}`);
    }
    if (state.hash !== meta.hash) {
      this.#chain = undefined;
      return this.#reject(meta.version, 'hash-mismatch', `version ${meta.version}: content hash ${state.hash} differs from the published ${meta.hash}`);
    }
    this.#chain = { cluster: meta.cluster, scope: meta.scope, schema: meta.schema ?? SNAPSHOT_SCHEMA, version: meta.version, state };
    this.#storeWhole = true;
    this.#unstored.clear();
    this.#bundleUnstored = true;
    return this.#serve(receivedAt);
  }

  /** A delta onto the chain; `need-full` when it does not chain or its result is not the published content. */
  async delta(meta: IncomingMeta, document: unknown, receivedAt: number): Promise<ApplyOutcome> {
    const chain = this.#chain;
    if (chain?.scope !== meta.scope || chain.version !== meta.baseVersion) {
      return { type: 'need-full', reason: `delta onto ${meta.baseVersion ?? '?'}, holding ${chain === undefined ? 'nothing' : `${chain.scope}@${chain.version}`}` };
    }
    let changes: readonly EntryChange[];
    let bundleChanged: boolean;
    try {
      // A delta as text (what the follower asks the bus for) is taken apart per resource, nothing encoded again.
      let update = typeof document === 'string' ? chain.state.updateFromJson(document) : chain.state.update(document as ResourceDelta);
      if (typeof document === 'string' && chain.state.hash !== meta.hash) {
        // Maybe a writer whose text is not canonical: read it again the ordinary way before giving up on the chain.
        update.undo();
        update = chain.state.update(parseJsonText(document) as ResourceDelta);
      }
      changes = update.changes;
      bundleChanged = update.trustBundle !== undefined;
    } catch (err) {
      // Nothing changed in the state: a bad delta is refused before it touches anything.
      this.#chain = undefined;
      return { type: 'need-full', reason: `delta ${meta.version} does not apply: ${(err as Error).message}` };
    }
    if (chain.state.hash !== meta.hash) {
      // The local base is not what the publisher diffed against: drop it and take the full state.
      this.#chain = undefined;
      return { type: 'need-full', reason: `delta ${meta.version} gives hash ${chain.state.hash}, published ${meta.hash}` };
    }
    chain.version = meta.version;
    for (const change of changes) this.#unstored.set(`${change.kind} ${change.id}`, { kind: change.kind, id: change.id });
    this.#bundleUnstored ||= bundleChanged;
    return this.#serve(receivedAt);
  }

  /** A version the bus refused (unknown schema major, broken frames): recorded, nothing applied. */
  refused(version: string | undefined, error: Error): ApplyOutcome {
    return this.#reject(version, 'refused', `version ${version ?? '?'} refused: ${error.message}`);
  }

  /** Serves the chain when it is valid and newer than what the stores serve. */
  async #serve(receivedAt: number): Promise<ApplyOutcome> {
    const chain = this.#chain as Chain;
    const { state } = chain;
    if (!state.valid({ maxBytes: this.#maxBytes })) {
      const problems = state.problems({ maxBytes: this.#maxBytes });
      const reason = problems.some((p) => p.code === 'too_large') ? 'too-large' : 'invalid';
      return this.#reject(chain.version, reason, `version ${chain.version} rejected: ${summarize(problems)}`);
    }
    const served = this.#served;
    const meta: SnapshotMeta = { schema: chain.schema, cluster: chain.cluster, scope: chain.scope, version: chain.version, hash: state.hash };
    if (served?.scope === meta.scope && served.cluster === meta.cluster && compareVersions(meta.version, served.version) <= 0) {
      // An older checkpoint read to replay the deltas after it: the stores keep the newer version they serve.
      return { type: 'held', version: meta.version, reason: `version ${served.version} is served` };
    }
    const sameContent = served?.hash === meta.hash && served.scope === meta.scope;
    if (!sameContent) {
      try {
        await this.#target.apply(this.#storeUpdate(meta));
      } catch (err) {
        return this.#reject(meta.version, 'store-failed', `version ${meta.version} not applied: ${(err as Error).message}`);
      }
    }
    const durationMs = this.#now() - receivedAt;
    const record = this.#persistRecord(meta, served);
    this.#served = meta;
    this.#storeWhole = false;
    this.#unstored.clear();
    this.#bundleUnstored = false;
    this.#lastError = null;
    if (!sameContent) this.#lastDurationMs = durationMs;
    // Same config under a newer version: nothing for APISIX to see, but the version moves on (and is kept).
    const persisting = this.#now();
    await this.#target.persist(record);
    return { type: 'applied', meta, durationMs, persistMs: this.#now() - persisting };
  }

  #storeUpdate(meta: SnapshotMeta): StoreUpdate {
    const { state } = this.#chain as Chain;
    const value = (kind: ApisixKind, json: string): string | undefined => {
      const transform = this.#storeEntry;
      if (transform === undefined || transform.changes?.(kind, json) === false) return json;
      const rewritten = transform.rewrite?.(kind, json);
      if (rewritten !== undefined) return rewritten.json;
      const resource = parseJsonText(json) as ApisixResource;
      const stored = transform(kind, resource);
      return stored === resource ? json : stored === undefined ? undefined : canonicalJson(stored);
    };
    const changes = this.#storeWhole
      ? undefined
      : [...this.#unstored.values()].map(({ kind, id }): StoreResource => {
          const entry = state.get(kind, id);
          return { kind, id, json: entry === undefined ? undefined : value(kind, entry.json) };
        });
    return {
      meta,
      changes,
      trustBundle: state.trustBundle,
      *all() {
        for (const kind of APISIX_KINDS) {
          for (const entry of state.entries(kind)) {
            const json = value(kind, entry.json);
            if (json !== undefined) yield { kind, id: entry.id, json };
          }
        }
      },
    };
  }

  /** What to persist for `meta`: a delta from the version served before, or the whole content. */
  #persistRecord(meta: SnapshotMeta, served: SnapshotMeta | undefined): PersistRecord {
    const { state } = this.#chain as Chain;
    const sameBase = served !== undefined && served.scope === meta.scope && !this.#storeWhole;
    const delta = sameBase
      ? {
          baseVersion: served.version,
          json: deltaJson({
            changes: [...this.#unstored.values()].map(({ kind, id }) => ({ kind, id, before: undefined, after: state.get(kind, id) })),
            trustBundle: this.#bundleUnstored ? state.trustBundle : undefined,
          }),
        }
      : undefined;
    return { meta, delta, contentJson: () => state.toJson() };
  }

  #reject(version: string | undefined, reason: RejectReason, error: string): ApplyOutcome {
    this.#lastError = error;
    return { type: 'rejected', version, reason, error };
  }
}

/** The first few problems, one line each: enough for a status and a log line. */
export function summarize(problems: readonly SnapshotProblem[], max = 5): string {
  const lines = problems.slice(0, max).map((p) => `${p.kind === undefined ? '' : `${p.kind}[${p.id ?? '?'}]`}${p.path === '' ? '' : ` ${p.path}`}: ${p.message}`.trim());
  const more = problems.length > max ? `; and ${problems.length - max} more` : '';
  return `${problems.length} problem(s): ${lines.join('; ')}${more}`;
}
