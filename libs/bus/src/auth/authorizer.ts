import { X509Certificate } from 'node:crypto';
import type { BusNames } from '../names.js';
import type { AuthRequest } from './callout-request.js';
import type { AllowedUser } from './callout-response.js';
import { identityKey } from './grants.js';
import type { IdentityGrant } from './permissions.js';
import { agentPermissions } from './permissions.js';
import { inboxPrefixOf } from './inbox.js';

/** The responder's answer to one connection. */
export type AuthDecision =
  | { readonly allow: true; readonly user: AllowedUser; readonly grant: IdentityGrant }
  | { readonly allow: false; readonly reason: string };

/** A workload identity read from a client certificate. */
export interface PeerIdentity {
  /** The SPIFFE ID (also the user name the connection gets, and what its inbox prefix is derived from). */
  readonly uri: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface AgentAuthorizerOptions {
  readonly names: BusNames;
  /** The account agents are placed in (where the cluster's JetStream streams live). */
  readonly account: string;
  /** The identity of a verified leaf certificate (PEM); throws an Error whose message says why it is refused. */
  readonly identityOf: (leafPem: string) => PeerIdentity;
  /** The current grants by `identityKey(namespace, serviceAccount)`; read at every connection. */
  readonly grants: () => ReadonlyMap<string, IdentityGrant>;
  /** Longest a connection keeps its permissions before it must reconnect and ask again (default 1 h). */
  readonly maxLifetimeMs?: number;
  readonly now?: () => Date;
}

export const DEFAULT_GRANT_LIFETIME_MS = 60 * 60 * 1000;
const NO_GRANT: IdentityGrant = { agents: [], scopes: [] };

/**
 * Decides agent connections: only a client certificate nats-server verified against the mesh trust bundle, whose
 * identity `identityOf` accepts, gets in; it may read the scopes of its identity's pods and write their status, and
 * nothing else. An identity with no pods yet gets in with nothing granted but its inbox: its first refused
 * request makes it reconnect and ask again. The connection expires with its certificate (or after
 * `maxLifetimeMs`), so a rotated SVID and changed grants take effect on the next connection.
 */
export function createAgentAuthorizer(options: AgentAuthorizerOptions): (request: AuthRequest) => AuthDecision {
  const maxLifetimeMs = options.maxLifetimeMs ?? DEFAULT_GRANT_LIFETIME_MS;
  return (request) => {
    const leafPem = request.clientChain[0];
    if (leafPem === undefined) return { allow: false, reason: 'no client certificate' };
    if (!request.verified) return { allow: false, reason: 'the client certificate was not verified by the server (TLS verify is off)' };
    let identity: PeerIdentity;
    let notAfter: Date;
    try {
      identity = options.identityOf(leafPem);
      notAfter = new Date(new X509Certificate(leafPem).validTo);
    } catch (err) {
      return { allow: false, reason: (err as Error).message };
    }
    const grant = options.grants().get(identityKey(identity.namespace, identity.serviceAccount)) ?? NO_GRANT;
    const now = options.now?.() ?? new Date();
    const expiresAt = new Date(Math.min(notAfter.getTime(), now.getTime() + maxLifetimeMs));
    if (expiresAt.getTime() <= now.getTime()) return { allow: false, reason: `the client certificate of ${identity.uri} has expired` };
    return {
      allow: true,
      grant,
      user: { name: identity.uri, account: options.account, permissions: agentPermissions(options.names, grant, inboxPrefixOf(identity.uri)), expiresAt },
    };
  };
}
