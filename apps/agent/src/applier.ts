import type { Snapshot } from '@weft/model';
import { applyDelta, buildSnapshot, contentHash, validateSnapshot } from '@weft/snapshot';
import type { ResourceDelta, SnapshotContent, SnapshotProblem } from '@weft/snapshot';

/** Identity of a version as it arrives (the bus's ScopeMeta, or a snapshot file's meta). */
export interface IncomingMeta {
  readonly cluster: string;
  readonly scope: string;
  readonly version: string;
  readonly hash: string;
  readonly baseVersion?: string;
}

/**
 * Where an accepted snapshot goes: the config store(s). `apply` is what APISIX sees (throws when a store fails);
 * `persist` keeps it for restarts and never throws (a failure is the target's to log).
 */
export interface ApplyTarget {
  apply(snapshot: Snapshot): Promise<void>;
  persist(snapshot: Snapshot): Promise<void>;
}

export type ApplyOutcome =
  /** Served now. `durationMs`: from receipt to the stores applied. */
  | { readonly type: 'applied'; readonly snapshot: Snapshot; readonly durationMs: number }
  /** Not served; the last good snapshot keeps serving. `reason` is a closed set (a metric label). */
  | { readonly type: 'rejected'; readonly version: string | undefined; readonly reason: RejectReason; readonly error: string }
  /** A delta that cannot be applied here: the caller reads the full state and hands it to `full`. */
  | { readonly type: 'need-full'; readonly reason: string };

export type RejectReason = 'malformed' | 'hash-mismatch' | 'invalid' | 'too-large' | 'refused' | 'store-failed';

/** The latest content received for a scope, hash-checked (maybe invalid): the base the next delta applies to. */
interface ChainState {
  readonly scope: string;
  readonly version: string;
  readonly content: SnapshotContent;
}

export interface SnapshotApplierOptions {
  /** Largest accepted canonical encoding, bytes. */
  readonly maxSnapshotBytes: number;
  /** Clock in ms, for the apply duration. */
  readonly now?: () => number;
}

/**
 * The agent's apply logic, one version at a time: checks a full state or a delta, hands a good snapshot to the
 * target, and keeps serving the last good one when a version is refused. Deltas apply onto the chain (the latest
 * hash-checked content, valid or not) so a rejected version does not break the ones after it.
 */
export class SnapshotApplier {
  readonly #target: ApplyTarget;
  readonly #maxBytes: number;
  readonly #now: () => number;
  #served: Snapshot | undefined;
  #chain: ChainState | undefined;
  #lastError: string | null = null;
  #lastDurationMs: number | null = null;

  constructor(target: ApplyTarget, options: SnapshotApplierOptions) {
    this.#target = target;
    this.#maxBytes = options.maxSnapshotBytes;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The snapshot serving now. */
  get served(): Snapshot | undefined {
    return this.#served;
  }

  /** Version of the chain for `scope` (what a subscription may resume from), if the agent holds one. */
  chainVersion(scope: string): string | undefined {
    return this.#chain?.scope === scope ? this.#chain.version : undefined;
  }

  /** The last refusal or apply error; null once a version applied cleanly. */
  get lastError(): string | null {
    return this.#lastError;
  }

  get lastDurationMs(): number | null {
    return this.#lastDurationMs;
  }

  /** A snapshot the stores already serve (restored from disk at start): the baseline of the chain. */
  restored(snapshot: Snapshot): void {
    this.#served = snapshot;
    this.#chain = { scope: snapshot.meta.scope, version: snapshot.meta.version, content: snapshot };
  }

  /** A full state: checked, then applied. */
  async full(meta: IncomingMeta, document: unknown, receivedAt: number): Promise<ApplyOutcome> {
    let snapshot: Snapshot;
    try {
      const content = document as Partial<SnapshotContent> | null;
      if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new Error('the document is not an object');
      snapshot = buildSnapshot({
        cluster: meta.cluster,
        scope: meta.scope,
        version: meta.version,
        resources: content.resources ?? {},
        trustBundle: content.trustBundle ?? [],
      });
    } catch (err) {
      this.#chain = undefined;
      return this.#reject(meta.version, 'malformed', `version ${meta.version}: malformed snapshot: ${(err as Error).message}`);
    }
    if (snapshot.meta.hash !== meta.hash) {
      this.#chain = undefined;
      return this.#reject(meta.version, 'hash-mismatch', `version ${meta.version}: content hash ${snapshot.meta.hash} differs from the published ${meta.hash}`);
    }
    this.#chain = { scope: meta.scope, version: meta.version, content: snapshot };
    return this.#check(snapshot, receivedAt);
  }

  /** A delta onto the chain; `need-full` when it does not chain or its result is not the published content. */
  async delta(meta: IncomingMeta, document: unknown, receivedAt: number): Promise<ApplyOutcome> {
    const chain = this.#chain;
    if (chain?.scope !== meta.scope || chain.version !== meta.baseVersion) {
      return { type: 'need-full', reason: `delta onto ${meta.baseVersion ?? '?'}, holding ${chain === undefined ? 'nothing' : `${chain.scope}@${chain.version}`}` };
    }
    let content: SnapshotContent;
    let hash: string;
    try {
      content = applyDelta(chain.content, document as ResourceDelta);
      hash = contentHash(content.resources, content.trustBundle);
    } catch (err) {
      this.#chain = undefined;
      return { type: 'need-full', reason: `delta ${meta.version} does not apply: ${(err as Error).message}` };
    }
    if (hash !== meta.hash) {
      // The local base is not what the publisher diffed against: drop it and take the full state.
      this.#chain = undefined;
      return { type: 'need-full', reason: `delta ${meta.version} gives hash ${hash}, published ${meta.hash}` };
    }
    return this.full(meta, content, receivedAt);
  }

  /** A version the bus refused (unknown schema major, broken frames): recorded, nothing applied. */
  refused(version: string | undefined, error: Error): ApplyOutcome {
    return this.#reject(version, 'refused', `version ${version ?? '?'} refused: ${error.message}`);
  }

  async #check(snapshot: Snapshot, receivedAt: number): Promise<ApplyOutcome> {
    const problems = validateSnapshot(snapshot, { maxBytes: this.#maxBytes });
    if (problems.length > 0) {
      const reason = problems.some((p) => p.code === 'too_large') ? 'too-large' : 'invalid';
      return this.#reject(snapshot.meta.version, reason, `version ${snapshot.meta.version} rejected: ${summarize(problems)}`);
    }
    if (this.#served?.meta.hash === snapshot.meta.hash && this.#served.meta.scope === snapshot.meta.scope) {
      // Same config under a newer version: nothing for APISIX to see, but the version moves on.
      this.#served = snapshot;
      this.#lastError = null;
      await this.#target.persist(snapshot);
      return { type: 'applied', snapshot, durationMs: this.#now() - receivedAt };
    }
    try {
      await this.#target.apply(snapshot);
    } catch (err) {
      return this.#reject(snapshot.meta.version, 'store-failed', `version ${snapshot.meta.version} not applied: ${(err as Error).message}`);
    }
    const durationMs = this.#now() - receivedAt;
    this.#served = snapshot;
    this.#lastError = null;
    this.#lastDurationMs = durationMs;
    await this.#target.persist(snapshot);
    return { type: 'applied', snapshot, durationMs };
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
