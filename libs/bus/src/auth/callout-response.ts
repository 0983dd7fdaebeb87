import { encodeAuthorizationResponse, encodeUser } from '@nats-io/jwt';
import type { KeyPair } from '@nats-io/nkeys';
import type { AuthRequest } from './callout-request.js';
import type { NatsPermissions } from './permissions.js';

/** A connection the responder lets in: its user name, account, permissions and when it must reconnect. */
export interface AllowedUser {
  /** Shown as the connection's user by nats-server (e.g. the SPIFFE ID). */
  readonly name: string;
  /** The account the connection is placed in (server-config mode: the audience of the user JWT). */
  readonly account: string;
  readonly permissions: NatsPermissions;
  /** nats-server closes the connection then ("User Authentication Expired"); the client reconnects and asks again. */
  readonly expiresAt?: Date;
}

/** The signed answer that lets the connection in as `user`. */
export async function encodeAllowed(request: AuthRequest, issuer: KeyPair, user: AllowedUser): Promise<string> {
  const exp = user.expiresAt === undefined ? undefined : Math.floor(user.expiresAt.getTime() / 1000);
  const userJwt = await encodeUser(
    user.name,
    request.userNkey,
    issuer,
    {
      pub: { allow: [...user.permissions.publish.allow], deny: [] },
      sub: { allow: [...user.permissions.subscribe.allow], deny: [] },
    },
    { aud: user.account, ...(exp === undefined ? {} : { exp }) },
  );
  return encodeAuthorizationResponse(request.userNkey, request.serverId, issuer, { jwt: userJwt }, {});
}

/** The signed answer that refuses the connection; nats-server logs `reason` and closes it with an authorization error. */
export function encodeRefused(request: AuthRequest, issuer: KeyPair, reason: string): Promise<string> {
  return encodeAuthorizationResponse(request.userNkey, request.serverId, issuer, { error: reason }, {});
}
