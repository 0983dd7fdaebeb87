import type { BusError, IntegrityError, SchemaMajorError } from './errors.js';

/**
 * Identity of one published version of one scope. It travels in message headers, beside an opaque body;
 * its fields match `SnapshotMeta` of @weft/model, plus `baseVersion` on deltas.
 */
export interface ScopeMeta {
  /** Format of the document, major.minor (`SNAPSHOT_SCHEMA`). A subscriber refuses a major it does not know. */
  readonly schema: string;
  readonly cluster: string;
  readonly scope: string;
  /**
   * Per-cluster counter that never goes back (decimal string). It is the JetStream sequence of the first
   * message of the version's atomic batch in the cluster's snap stream, claimed with an expected last sequence.
   */
  readonly version: string;
  /** Content hash of the full state at this version (from libs/snapshot; the bus only carries it). */
  readonly hash: string;
  /** Deltas only: the version this delta applies to. */
  readonly baseVersion?: string;
}

/** The full state of a scope, as the control plane hands it to `publishScope`. */
export interface FullState {
  /** Content hash of `document`; equal hashes mean equal config, and a repeat publishes nothing. */
  readonly hash: string;
  /** The state: any JSON-serialisable value (the snapshot document). Give this or `json`. */
  readonly document?: unknown;
  /**
   * The state's JSON text, asked for only when the publisher stores the full state (a checkpoint): a caller that
   * keeps its state encoded need not build the whole document for every version.
   */
  readonly json?: () => string;
  /** Defaults to `SNAPSHOT_SCHEMA` of @weft/model. */
  readonly schema?: string;
}

/** The change from a base state to the `FullState` published beside it. */
export interface DeltaState {
  /** Hash of the state the delta applies to. Used only when it is the scope's latest published hash. */
  readonly baseHash: string;
  /** The delta: any JSON-serialisable value (the delta document). Give this or `json`. */
  readonly document?: unknown;
  /** The delta's JSON text, sent as it is. */
  readonly json?: string;
}

export interface PublishResult {
  readonly scope: string;
  readonly version: string;
  readonly hash: string;
  /** False when `full.hash` equals the latest published hash: nothing was sent, `version` is the existing one. */
  readonly published: boolean;
  /** What subscribers that follow the scope receive: the delta, or a reset telling them to fetch the full state. */
  readonly record: 'delta' | 'reset' | 'none';
  /** Messages in the chain (delta or reset chunks, plus the checkpoint's chunks). */
  readonly messages: number;
  /** Bytes of the delta record's bodies as stored (0 for a reset or no publish). */
  readonly deltaBytes: number;
  /** Whether this version's full state was stored (a checkpoint): every reset, then every so often (see PublisherOptions). */
  readonly checkpoint: boolean;
  /** Bytes of the full state's bodies as stored (after compression); 0 when no checkpoint was stored. */
  readonly fullBytes: number;
}

/** Why a subscriber delivers a full state instead of a delta. */
export type FullReason =
  /** Subscribed without a version. */
  | 'initial'
  /** `fromVersion` is not a version of this scope in this stream (newer than anything published, or another scope's). */
  | 'unknown-base'
  /** The deltas after its version are gone (retention) or a record does not chain onto it. */
  | 'behind'
  /** The publisher sent the version without a delta (its first publish, or one after a restart). */
  | 'reset'
  /** The subscriber was asked to (`ScopeSubscription.resync()`: the caller could not use what it was given). */
  | 'resync';

/**
 * A full state: the latest checkpoint. It may be older than the version that made the subscriber read it (and than
 * a version delivered before); the deltas after it follow, in order, up to the latest version.
 */
export interface FullMessage {
  readonly type: 'full';
  readonly meta: ScopeMeta;
  readonly document: unknown;
  readonly reason: FullReason;
  /** Bytes received for this state (compressed, all chunks). */
  readonly bytes: number;
}

export interface DeltaMessage {
  readonly type: 'delta';
  readonly meta: ScopeMeta & { readonly baseVersion: string };
  readonly document: unknown;
  readonly bytes: number;
}

/** A version this side will not apply; the subscription goes on and resyncs when a usable version comes. */
export interface RefusedMessage {
  readonly type: 'refused';
  /** The refused version, when its headers could be read. */
  readonly version: string | undefined;
  readonly error: SchemaMajorError | IntegrityError;
}

/** What `subscribeScope` yields, in version order. Apply `full` as a whole, `delta` onto the previous one. */
export type ScopeMessage = FullMessage | DeltaMessage | RefusedMessage;

/** What an agent reports after each apply (and periodically), kept per agent in JetStream. */
export interface AgentStatus {
  readonly agent: string;
  readonly scope: string;
  /** The version serving now, or null before the first apply. */
  readonly appliedVersion: string | null;
  readonly hash: string | null;
  readonly applyLatencyMs: number | null;
  /** The last apply or validation error, null when the last version applied cleanly. */
  readonly lastError: string | null;
  /** ISO 8601 time of the report. */
  readonly at: string;
}

export type StatusEvent =
  | { readonly type: 'status'; readonly status: AgentStatus }
  /** Every status stored when the watch started has been delivered (once per watch). */
  | { readonly type: 'caught-up' }
  | { readonly type: 'refused'; readonly subject: string; readonly error: BusError };
