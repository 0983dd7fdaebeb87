import type { KubeObject } from '../client/kube-object.js';

/** The full set of objects a source knows after a batch of changes, with the kinds that changed in it. */
export interface ObjectSet {
  /** Every known object, each with `apiVersion` and `kind` set. Unchanged objects keep their identity between sets. */
  readonly objects: readonly KubeObject[];
  /** Kinds (and `Manifests` for folder sources) that changed since the previous set. */
  readonly reasons: readonly string[];
  /** Problems found in the input (unreadable files, malformed objects), for logs and `weftctl`. */
  readonly problems: readonly string[];
  /** How long the first change of this batch waited for the batch to close. */
  readonly waitedMs: number;
}

/**
 * Where the control plane reads its world: the Kubernetes API in production, or a folder of manifests (the demo,
 * GitOps dry runs, `weftctl render`). Both feed the same WorldState builder and the same translate.
 */
export interface WorldSource {
  /** Starts watching; `onUpdate` is called with the full set after the initial sync and after each batch. */
  start(onUpdate: (set: ObjectSet) => Promise<void> | void): void;
  /** True once every kind has been listed once. Serve nothing before. */
  readonly synced: boolean;
  stop(): Promise<void>;
}
