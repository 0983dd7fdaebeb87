import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@weft/telemetry';
import { AckedPublisher } from './acked-publish.js';
import type { BusNames } from './names.js';

/** What the parts of the bus share: one connection, one cluster. Internal: callers hold a `Bus`. */
export interface BusContext {
  readonly names: BusNames;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly logger: Logger;
  /** JetStream API request timeout. */
  readonly timeoutMs: number;
  /** Aborted when the bus closes: subscriptions and watches end with it. */
  readonly closing: AbortSignal;
  jsm(): Promise<JetStreamManager>;
  /** JetStream publishes with acks matched on one inbox subscription (created on first use, closed with the bus). */
  acked(): AckedPublisher;
  /** The server's max_payload now (it can change when the client reconnects to another server). */
  maxPayload(): number;
}

export function createContext(
  nc: NatsConnection,
  names: BusNames,
  logger: Logger,
  options: { readonly domain?: string; readonly timeoutMs: number; readonly closing: AbortSignal; readonly inboxPrefix?: string },
): BusContext {
  const jsOptions = { timeout: options.timeoutMs, ...(options.domain === undefined ? {} : { domain: options.domain }) };
  const js = jetstream(nc, jsOptions);
  let manager: Promise<JetStreamManager> | undefined;
  let acked: AckedPublisher | undefined;
  options.closing.addEventListener(
    'abort',
    () => {
      acked?.close();
    },
    { once: true },
  );
  return {
    names,
    nc,
    js,
    logger,
    timeoutMs: options.timeoutMs,
    closing: options.closing,
    jsm() {
      // checkAPI off: an agent may lack the account-info permission, and it costs a round trip.
      manager ??= jetstreamManager(nc, { ...jsOptions, checkAPI: false });
      return manager;
    },
    acked() {
      acked ??= new AckedPublisher(nc, { inboxPrefix: options.inboxPrefix, timeoutMs: options.timeoutMs });
      return acked;
    },
    maxPayload() {
      return nc.info?.max_payload ?? 1024 * 1024;
    },
  };
}
