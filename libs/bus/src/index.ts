/**
 * libs/bus — the NATS contract of DESIGN.md; the only code in Weft that talks to NATS.
 *
 * ```
 * control plane                         JetStream (per cluster)                      agent
 * Bus.ensureStreams()      ──▶ weft-<c>-snap   weft.<c>.snap.<scope>.delta ──ordered──▶ Bus.subscribeScope(scope,
 * ScopePublisher           ──▶   (one record per version: its delta, or a     consumer    {fromVersion})
 *   .publishScope(scope,          reset; version = stream sequence of the                yields full | delta | refused
 *     full, delta?)               chain's first message)                                 (full: the latest checkpoint,
 *                                 weft.<c>.snap.<scope>.full  ──direct get──▶  then the deltas after it)
 *                                 (checkpoints: every reset, then every so often)
 * Bus.watchStatus()        ◀── weft-<c>-status weft.<c>.status.<agent>   ◀────────────── Bus.reportStatus(status)
 *                                (latest per agent)
 * Bus.publishAssignment()  ──▶ weft-<c>-assign weft.<c>.assign.<agent>   ──────────────▶ Bus.watchAssignment(agent)
 *   (agent → scope)              (latest per agent)                                        yields its scope, then changes
 *
 * startAuthResponder          ◀── nats-server auth callout ($SYS.REQ.USER.AUTH): a verified client certificate →
 *   + createAgentAuthorizer        a user JWT allowing only its identity's scopes, assignments, status and inbox
 * ```
 */
export { agentIdOf, ASSIGNMENT_SCHEMA, parseAssignment } from './assignment.js';
export { AgentTracker } from './agent-sync.js';
export { createAgentAuthorizer, DEFAULT_GRANT_LIFETIME_MS } from './auth/authorizer.js';
export { AUTH_CALLOUT_SUBJECT, readAuthRequest } from './auth/callout-request.js';
export { identityGrants, identityKey } from './auth/grants.js';
export { inboxPrefixOf } from './auth/inbox.js';
export { agentPermissions } from './auth/permissions.js';
export { issuerPublicKey, startAuthResponder } from './auth/responder.js';
export { Bus, connectBus } from './bus.js';
export { decodeBody, encodeBody } from './codec.js';
export {
  BusClosedError,
  BusError,
  ConnectError,
  IntegrityError,
  InvalidIdError,
  InvalidVersionError,
  PayloadTooLargeError,
  PublishError,
  SchemaMajorError,
  VersionConflictError,
} from './errors.js';
export { validateAgentId, validateClusterId, validateScopeId } from './ids.js';
export { busNames } from './names.js';
export { ScopePublisher } from './publisher.js';
export { parseStatus, STATUS_SCHEMA } from './status.js';
export { DEFAULT_MAX_MESSAGES_PER_SUBJECT } from './streams.js';
export { compareVersions, formatVersion, parseVersion } from './version.js';
export type { AssignmentWatch } from './assignment.js';
export type { AgentState, AgentView } from './agent-sync.js';
export type { AgentAuthorizerOptions, AuthDecision, PeerIdentity } from './auth/authorizer.js';
export type { AuthRequest } from './auth/callout-request.js';
export type { AllowedUser } from './auth/callout-response.js';
export type { IdentityGrant, NatsPermissions } from './auth/permissions.js';
export type { AuthResponder, AuthResponderOptions } from './auth/responder.js';
export type { BusConnectionEvent, BusConnectOptions, BusTlsOptions, ClientCertificate } from './bus.js';
export type { DocumentSource, EncodedBody, EncodeOptions } from './codec.js';
export type { BusNames } from './names.js';
export type { BusProbe, StreamProbe } from './probe.js';
export type { PublisherOptions, ScopeHead } from './publisher.js';
export type { ScopeState } from './scope-reader.js';
export type { StatusWatch, WatchStatusOptions } from './status.js';
export type { EnsureStreamsResult, StreamOptions } from './streams.js';
export type { ScopeSubscription, SubscribeOptions } from './subscriber.js';
export type {
  AgentStatus,
  DeltaMessage,
  DeltaState,
  FullMessage,
  FullReason,
  FullState,
  PublishResult,
  RefusedMessage,
  ScopeMessage,
  ScopeMeta,
  StatusEvent,
} from './types.js';
