/** apps/agent — the per-pod process: restore, follow NATS (or a file), apply into APISIX's config store(s). */
export { AGENT_EXIT, runAgent } from './agent.js';
export { SnapshotApplier, summarize } from './applier.js';
export { AppliedStateFile } from './applied-state.js';
export { clientViewOf } from './client-view.js';
export { agentConfig } from './config.js';
export { CaClient, CaRequestError, checkAnswer, startIdentity, SvidSource } from './identity/index.js';
export { LastAppliedError, LastAppliedFile } from './last-applied.js';
export { createAgentMetrics } from './metrics.js';
export { AGENT_NODE_FLAGS } from './node-flags.js';
export { REVISION_BLOCK, RevisionReservation } from './revision-reservation.js';
export { ServingStores } from './serving.js';
export { ScopeFollower } from './scope-follower.js';
export { readSnapshotFile, SnapshotFileError } from './snapshot-file.js';
export { StatusReporter } from './status-reporter.js';
export type {
  ApplyOutcome,
  ApplyTarget,
  IncomingMeta,
  PersistRecord,
  RejectReason,
  SnapshotApplierOptions,
  StoreEntryTransform,
  StoreResource,
  StoreUpdate,
} from './applier.js';
export type { AppliedState, AppliedStateFileOptions } from './applied-state.js';
export type { AgentConfig } from './config.js';
export type { CaAnswer, Identity, Svid, SvidListener, SvidView } from './identity/index.js';
export type { LastApplied } from './last-applied.js';
export type { AgentMetrics } from './metrics.js';
export type { HandledVersion, ScopeFollowerOptions } from './scope-follower.js';
export type { ServingOptions, StoreMode } from './serving.js';
export type { SnapshotFileContent } from './snapshot-file.js';
export type { StatusReporterOptions } from './status-reporter.js';
