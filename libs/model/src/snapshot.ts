import type { ApisixResources } from './apisix.js';

/** Major.minor of the snapshot format. An agent refuses a major it does not know. */
export const SNAPSHOT_SCHEMA = '1.0';

/** Identity of one published snapshot. */
export interface SnapshotMeta {
  /** Format version, `SNAPSHOT_SCHEMA` at the time it was made. */
  readonly schema: string;
  /** Cluster id (prefix of every NATS subject and stream). */
  readonly cluster: string;
  /** The scope this snapshot is cut for. */
  readonly scope: string;
  /** Per-cluster counter that never goes back (decimal string: it is 64-bit). */
  readonly version: string;
  /** Content hash (sha256, hex) of the canonical encoding of `resources` and `trustBundle`. */
  readonly hash: string;
}

/** Everything one scope needs: APISIX resources plus the trust bundle. Immutable once built. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly resources: ApisixResources;
  /** PEM roots workloads of this scope trust (several during a root rotation). */
  readonly trustBundle: readonly string[];
}
