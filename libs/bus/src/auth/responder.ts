import { fromSeed } from '@nats-io/nkeys';
import type { KeyPair } from '@nats-io/nkeys';
import { connect } from '@nats-io/transport-node';
import type { Msg, NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { createLogger } from '@weft/telemetry';
import type { Logger } from '@weft/telemetry';
import { natsTlsOptions } from '../connection-tls.js';
import type { BusTlsOptions } from '../connection-tls.js';
import { ConnectError } from '../errors.js';
import type { AuthDecision } from './authorizer.js';
import { AUTH_CALLOUT_SUBJECT, readAuthRequest } from './callout-request.js';
import type { AuthRequest } from './callout-request.js';
import { encodeAllowed, encodeRefused } from './callout-response.js';

export interface AuthResponderOptions {
  /** NATS URLs (`nats://host:port`), or one. */
  readonly servers: string | readonly string[];
  /** A user of the callout account listed in `auth_callout.auth_users` (it skips the callout itself). */
  readonly user: string;
  readonly pass: string;
  readonly tls?: BusTlsOptions;
  /** The seed (`SA…`) of the account key named as `auth_callout.issuer`: it signs every answer. */
  readonly issuerSeed: string;
  readonly authorize: (request: AuthRequest) => AuthDecision | Promise<AuthDecision>;
  /** After each answer, for metrics. */
  readonly onDecision?: (decision: AuthDecision, request: AuthRequest) => void;
  /** Replicas answering in one queue group share the requests (default `weft-auth`). */
  readonly queue?: string;
  readonly logger?: Logger;
}

/** The running responder; `close()` drains its connection. */
export interface AuthResponder extends AsyncDisposable {
  /** The public key of the issuer (`A…`), as nats-server's `auth_callout.issuer` must name it. */
  readonly issuer: string;
  close(): Promise<void>;
}

/** The account public key (`A…`) of an issuer seed, for the server's `auth_callout.issuer`. */
export function issuerPublicKey(issuerSeed: string): string {
  return issuerKeys(issuerSeed).getPublicKey();
}

function issuerKeys(seed: string): KeyPair {
  const keys = fromSeed(new TextEncoder().encode(seed.trim()));
  if (!keys.getPublicKey().startsWith('A')) throw new ConnectError('the auth callout issuer seed is not an account seed (SA…)');
  return keys;
}

/**
 * Answers nats-server's auth callout (`$SYS.REQ.USER.AUTH` in the callout account) on its own connection: each
 * request is decoded and checked, `authorize` decides, and the answer (a user JWT with the granted permissions, or
 * the refusal's reason) is signed with the issuer key. Every decision is one log line.
 */
export async function startAuthResponder(options: AuthResponderOptions): Promise<AuthResponder> {
  const issuer = issuerKeys(options.issuerSeed);
  const log = (options.logger ?? createLogger({ component: 'bus', level: 'silent' })).child({ part: 'nats-auth' });
  const connectOptions: NodeConnectionOptions = {
    servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
    user: options.user,
    pass: options.pass,
    name: 'weft-nats-auth',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    ignoreAuthErrorAbort: true,
    ...(options.tls === undefined ? {} : { tls: natsTlsOptions(options.tls) }),
  };
  let nc: NatsConnection;
  try {
    nc = await connect(connectOptions);
  } catch (err) {
    throw new ConnectError(`the auth callout responder cannot connect to NATS at ${String(connectOptions.servers)}: ${(err as Error).message}`, { cause: err });
  }
  const answer = async (m: Msg): Promise<void> => {
    let request: AuthRequest;
    try {
      request = readAuthRequest(m.string());
    } catch (err) {
      // Nothing to sign an answer for: the server times the connection out.
      log.warn({ err: (err as Error).message }, 'unreadable auth callout request');
      return;
    }
    let decision: AuthDecision;
    try {
      decision = await options.authorize(request);
    } catch (err) {
      decision = { allow: false, reason: `authorization failed: ${(err as Error).message}` };
    }
    const client = { host: request.clientHost, name: request.clientName, server: request.serverName };
    if (decision.allow) {
      m.respond(await encodeAllowed(request, issuer, decision.user));
      log.info(
        { ...client, user: decision.user.name, agents: decision.grant.agents.length, scopes: decision.grant.scopes, expiresAt: decision.user.expiresAt?.toISOString() },
        'NATS connection allowed',
      );
    } else {
      m.respond(await encodeRefused(request, issuer, decision.reason));
      log.warn({ ...client, reason: decision.reason }, 'NATS connection refused');
    }
    options.onDecision?.(decision, request);
  };
  const subscription = nc.subscribe(AUTH_CALLOUT_SUBJECT, {
    queue: options.queue ?? 'weft-auth',
    callback: (err, m) => {
      if (err !== null) {
        log.error({ err: err.message }, 'auth callout subscription failed');
        return;
      }
      answer(m).catch((e: unknown) => {
        log.error({ err: (e as Error).message }, 'answering an auth callout request failed');
      });
    },
  });
  log.info({ issuer: issuer.getPublicKey(), server: nc.getServer() }, 'answering NATS auth callout');
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    subscription.unsubscribe();
    await nc.drain().catch(() => nc.close());
  };
  return { issuer: issuer.getPublicKey(), close, [Symbol.asyncDispose]: close };
}
