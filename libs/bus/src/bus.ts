import { connect } from '@nats-io/transport-node';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { SNAPSHOT_SCHEMA } from '@weft/model';
import { createLogger } from '@weft/telemetry';
import type { Logger } from '@weft/telemetry';
import { deleteAssignment, publishAssignment, watchAssignment } from './assignment.js';
import type { AssignmentWatch } from './assignment.js';
import { readAssignments, storeAssignment } from './assignment-table.js';
import { reconnectOnPermissionViolation } from './auth/permission-reconnect.js';
import { natsTlsOptions } from './connection-tls.js';
import type { BusTlsOptions } from './connection-tls.js';
import { createContext } from './context.js';
import type { BusContext } from './context.js';
import { BusClosedError, ConnectError } from './errors.js';
import { readFullState } from './full-reader.js';
import { schemaMajor } from './frame.js';
import { busNames } from './names.js';
import type { BusNames } from './names.js';
import { probeBus } from './probe.js';
import type { BusProbe } from './probe.js';
import { ScopePublisher } from './publisher.js';
import { readScopeState } from './scope-reader.js';
import type { ScopeState } from './scope-reader.js';
import type { PublisherOptions } from './publisher.js';
import { listStatus, reportStatus, watchStatus } from './status.js';
import type { StatusWatch, WatchStatusOptions } from './status.js';
import { ensureStreams } from './streams.js';
import type { EnsureStreamsResult, StreamOptions } from './streams.js';
import { subscribeScope } from './subscriber.js';
import type { ScopeSubscription, SubscribeOptions } from './subscriber.js';
import type { AgentStatus, FullMessage } from './types.js';

export type { BusTlsOptions, ClientCertificate } from './connection-tls.js';

export interface BusConnectOptions {
  /** NATS URLs (`nats://host:port`), or one. */
  readonly servers: string | readonly string[];
  /** Cluster id: the prefix of every subject and stream (`[A-Za-z0-9_-]{1,64}`). */
  readonly cluster: string;
  /** Connection name shown by the server's monitoring (e.g. the agent id). */
  readonly name?: string;
  /** Defaults to a silent logger. */
  readonly logger?: Logger;
  /** TLS, e.g. the workload's SVID as client certificate (auth callout or `verify_and_map`). */
  readonly tls?: BusTlsOptions;
  /**
   * Prefix of this connection's inboxes (replies, JetStream deliveries); default `_INBOX`. An agent whose
   * permissions come from the auth callout uses `inboxPrefixOf(its SPIFFE ID)`, the only one it may subscribe to.
   */
  readonly inboxPrefix?: string;
  /**
   * Reconnect (with a growing pause) after the server refuses a subject, so permissions granted since the connection
   * was made (e.g. a newly assigned scope) take effect without a restart. For agents under the auth callout.
   */
  readonly reconnectOnPermissionViolation?: boolean;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** JetStream domain, when the cluster's JetStream runs in a leaf node's own domain. */
  readonly jetstreamDomain?: string;
  /** JetStream API and publish acknowledgement timeout (default 5000 ms). */
  readonly timeoutMs?: number;
  /** How long the first connection may take, TLS and authorization included (NATS.js default 20000 ms). */
  readonly connectTimeoutMs?: number;
  /** Pause between reconnect attempts (default 250 ms); the client reconnects forever. */
  readonly reconnectWaitMs?: number;
  /**
   * Keep trying when no server answers at first (default false: fail with ConnectError). An agent that
   * serves its last snapshot from disk meanwhile sets it.
   */
  readonly waitForServer?: boolean;
}

/** Connection state changes, for readiness and logs. */
export type BusConnectionEvent =
  | { readonly type: 'disconnected' }
  | { readonly type: 'reconnected' }
  | { readonly type: 'error'; readonly error: Error };

/**
 * One NATS connection bound to one cluster: the only door to NATS in Weft. The control plane calls
 * `ensureStreams`, `createPublisher` and `watchStatus`; an agent calls `subscribeScope` and `reportStatus`.
 */
export class Bus implements AsyncDisposable {
  readonly #ctx: BusContext;
  readonly #closing: AbortController;
  #closed = false;

  /** Use `connectBus`. */
  constructor(ctx: BusContext, closing: AbortController) {
    this.#ctx = ctx;
    this.#closing = closing;
  }

  get cluster(): string {
    return this.#ctx.names.cluster;
  }

  get names(): BusNames {
    return this.#ctx.names;
  }

  /** The server's max_payload: no message the bus sends is larger. */
  maxPayload(): number {
    return this.#ctx.maxPayload();
  }

  /** Creates or updates the cluster's streams (control plane, at start). Idempotent. */
  ensureStreams(options?: StreamOptions): Promise<EnsureStreamsResult> {
    this.#open();
    return ensureStreams(this.#ctx, options);
  }

  /** The control plane's publisher of scope versions; use one per process. */
  createPublisher(options?: PublisherOptions): ScopePublisher {
    this.#open();
    return new ScopePublisher(this.#ctx, options);
  }

  /** Follows a scope: full state or deltas in version order, resuming from `fromVersion` when possible. */
  subscribeScope(scope: string, options?: SubscribeOptions): ScopeSubscription {
    this.#open();
    return subscribeScope(this.#ctx, scope, options);
  }

  /**
   * The latest full state (checkpoint) of a scope, or undefined before its first publish. It may be older than the
   * latest version (see `readScope`). Throws a refused version's error.
   */
  async readFullState(scope: string, options: { readonly acceptSchemaMajors?: readonly number[] } = {}): Promise<FullMessage | undefined> {
    this.#open();
    const read = await readFullState(this.#ctx, scope, options.acceptSchemaMajors ?? [schemaMajor(SNAPSHOT_SCHEMA)]);
    if (read.state === 'none') return undefined;
    if (read.state === 'refused') throw read.error;
    return { type: 'full', meta: read.meta, document: read.document, reason: 'initial', bytes: read.bytes };
  }

  /**
   * The latest state of a scope as stored: its latest checkpoint and the deltas after it, in order (apply them to
   * get the latest version); undefined before its first publish.
   */
  readScope(scope: string, options: { readonly acceptSchemaMajors?: readonly number[] } = {}): Promise<ScopeState | undefined> {
    this.#open();
    return readScopeState(this.#ctx, scope, options.acceptSchemaMajors ?? [schemaMajor(SNAPSHOT_SCHEMA)]);
  }

  /** Publishes an agent's status; JetStream keeps the latest per agent. */
  reportStatus(status: AgentStatus): Promise<void> {
    this.#open();
    return reportStatus(this.#ctx, status);
  }

  /** Every agent's latest status, then each new one, then `caught-up` once. */
  watchStatus(options?: WatchStatusOptions): StatusWatch {
    this.#open();
    return watchStatus(this.#ctx, options);
  }

  /** The latest status of every agent, sorted by agent id. */
  listStatus(): Promise<AgentStatus[]> {
    this.#open();
    return listStatus(this.#ctx);
  }

  /** Stores the scope an agent follows (control plane); false when it already was that scope (nothing sent). */
  publishAssignment(agent: string, scope: string): Promise<boolean> {
    this.#open();
    return publishAssignment(this.#ctx, agent, scope);
  }

  /** Every stored assignment (agent → scope), in one pass over the stream. */
  readAssignments(): Promise<Map<string, string>> {
    this.#open();
    return readAssignments(this.#ctx);
  }

  /** Stores an agent's scope without reading the stored one first (callers that compared with readAssignments). */
  storeAssignment(agent: string, scope: string): Promise<void> {
    this.#open();
    return storeAssignment(this.#ctx, agent, scope);
  }

  /** The scope an agent follows: the current one (if any), then each change; survives nats-server restarts. */
  watchAssignment(agent: string): AssignmentWatch {
    this.#open();
    return watchAssignment(this.#ctx, agent);
  }

  /** Forgets an agent's assignment, for pods that are gone. */
  deleteAssignment(agent: string): Promise<void> {
    this.#open();
    return deleteAssignment(this.#ctx, agent);
  }

  /** A round trip to the server and JetStream's view of the cluster's streams (for health checks). */
  probe(): Promise<BusProbe> {
    this.#open();
    return probeBus(this.#ctx);
  }

  /** Connection state changes until the bus closes. */
  async *connectionEvents(): AsyncIterable<BusConnectionEvent> {
    for await (const s of this.#ctx.nc.status()) {
      if (s.type === 'disconnect') yield { type: 'disconnected' };
      else if (s.type === 'reconnect') yield { type: 'reconnected' };
      else if (s.type === 'error') yield { type: 'error', error: s.error };
    }
  }

  /** Ends every subscription and watch of this bus, then drains the connection (pending publishes are flushed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    if (!this.#ctx.nc.isClosed()) await this.#ctx.nc.drain().catch(() => this.#ctx.nc.close());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #open(): void {
    if (this.#closed) throw new BusClosedError('the bus is closed');
  }
}

/** Connects to NATS for one cluster. Reconnects forever; parts of the bus resume on their own. */
export async function connectBus(options: BusConnectOptions): Promise<Bus> {
  const names = busNames(options.cluster);
  const logger = (options.logger ?? createLogger({ component: 'bus', level: 'silent' })).child({ cluster: names.cluster });
  const connectOptions: NodeConnectionOptions = {
    servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectWaitMs ?? 250,
    waitOnFirstConnect: options.waitForServer ?? false,
    // An authorization error (e.g. an auth callout that does not know this identity yet) must not end the retries.
    ignoreAuthErrorAbort: true,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.tls === undefined ? {} : { tls: natsTlsOptions(options.tls) }),
    ...(options.inboxPrefix === undefined ? {} : { inboxPrefix: options.inboxPrefix }),
    ...(options.connectTimeoutMs === undefined ? {} : { timeout: options.connectTimeoutMs }),
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.pass === undefined ? {} : { pass: options.pass }),
    ...(options.token === undefined ? {} : { token: options.token }),
  };
  let nc: NatsConnection;
  try {
    nc = await connect(connectOptions);
  } catch (err) {
    throw new ConnectError(`cannot connect to NATS at ${String(connectOptions.servers)}: ${(err as Error).message}`, { cause: err });
  }
  logger.info({ server: nc.getServer(), maxPayload: nc.info?.max_payload }, 'connected to NATS');
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') logger.info({ event: s.type }, 'NATS connection');
    }
  })();
  if (options.reconnectOnPermissionViolation === true) reconnectOnPermissionViolation(nc, logger);
  const closing = new AbortController();
  const ctx = createContext(nc, names, logger, {
    timeoutMs: options.timeoutMs ?? 5000,
    closing: closing.signal,
    ...(options.inboxPrefix === undefined ? {} : { inboxPrefix: options.inboxPrefix }),
    ...(options.jetstreamDomain === undefined ? {} : { domain: options.jetstreamDomain }),
  });
  return new Bus(ctx, closing);
}
