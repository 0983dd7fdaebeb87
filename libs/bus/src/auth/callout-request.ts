import { decode } from '@nats-io/jwt';
import type { AuthorizationRequest } from '@nats-io/jwt';
import { IntegrityError } from '../errors.js';

/** Where nats-server sends auth callout requests (in the callout account) and the claim type it sends. */
export const AUTH_CALLOUT_SUBJECT = '$SYS.REQ.USER.AUTH';
const REQUEST_TYPE = 'authorization_request';

/** What the responder reads from one auth callout request. */
export interface AuthRequest {
  /** The user key nats-server made for this connection: the answer's user JWT must be for it. */
  readonly userNkey: string;
  /** The server's public key: the audience of the answer. */
  readonly serverId: string;
  readonly serverName: string;
  /**
   * The client's certificates (PEM), leaf first: the chain nats-server verified against its `ca_file` when TLS
   * `verify` is on (`verified` true), else what the client sent, unverified. Empty without a client certificate.
   */
  readonly clientChain: readonly string[];
  readonly verified: boolean;
  readonly clientHost: string;
  /** The connection name the client gave (e.g. an agent id); informational only, it proves nothing. */
  readonly clientName: string;
}

/**
 * Decodes an auth callout request JWT. The signature is checked against its issuer, which must be the server that
 * asks (a request from anything else is refused); throws IntegrityError when it is not a well-formed request.
 */
export function readAuthRequest(token: string): AuthRequest {
  let claims: ReturnType<typeof decode<AuthorizationRequest>>;
  try {
    claims = decode<AuthorizationRequest>(token);
  } catch (err) {
    throw new IntegrityError(`auth callout request is not a valid NATS JWT: ${(err as Error).message}`, { cause: err });
  }
  const request = claims.nats as Partial<AuthorizationRequest> | undefined;
  if (request?.type !== REQUEST_TYPE) throw new IntegrityError(`auth callout request has type ${String(request?.type)}, not ${REQUEST_TYPE}`);
  const serverId = request.server_id?.id ?? '';
  if (serverId === '' || claims.iss !== serverId) throw new IntegrityError('auth callout request is not signed by the server it names');
  if (typeof request.user_nkey !== 'string' || request.user_nkey === '') throw new IntegrityError('auth callout request has no user_nkey');
  const verifiedChain = request.client_tls?.verified_chains?.[0];
  return {
    userNkey: request.user_nkey,
    serverId,
    serverName: request.server_id?.name ?? '',
    clientChain: [...(verifiedChain ?? request.client_tls?.certs ?? [])],
    verified: verifiedChain !== undefined && verifiedChain.length > 0,
    clientHost: request.client_info?.host ?? '',
    clientName: request.client_info?.name ?? '',
  };
}
