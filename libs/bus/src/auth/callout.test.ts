import { Algorithms, decode, encode } from '@nats-io/jwt';
import type { ClaimsData, User } from '@nats-io/jwt';
import { createAccount, createServer, createUser } from '@nats-io/nkeys';
import type { KeyPair } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../errors.js';
import { readAuthRequest } from './callout-request.js';
import { encodeAllowed, encodeRefused } from './callout-response.js';

/** An auth callout request as nats-server signs it. */
async function serverRequest(server: KeyPair, signer: KeyPair, chain: string[], type = 'authorization_request'): Promise<{ token: string; userNkey: string }> {
  const userNkey = createUser().getPublicKey();
  const claim = {
    sub: 'AISSUER',
    aud: 'nats-authorization-request',
    nats: {
      type,
      server_id: { id: server.getPublicKey(), name: 'n1', host: '127.0.0.1' },
      user_nkey: userNkey,
      client_info: { host: '10.0.0.7', name: 'shop_web-1' },
      connect_opts: { protocol: 1 },
      client_tls: { version: '1.3', verified_chains: [chain] },
    },
  } as unknown as ClaimsData<unknown>;
  return { token: await encode(Algorithms.v2, claim, signer), userNkey };
}

describe('auth callout request and answer', () => {
  it('callout - reads a server-signed request and answers with a user JWT the server can check', async () => {
    const server = createServer();
    const issuer = createAccount();
    const { token, userNkey } = await serverRequest(server, server, ['LEAF', 'ROOT']);
    const request = readAuthRequest(token);
    expect(request).toEqual({ userNkey, serverId: server.getPublicKey(), serverName: 'n1', clientChain: ['LEAF', 'ROOT'], verified: true, clientHost: '10.0.0.7', clientName: 'shop_web-1' });

    const expiresAt = new Date(Date.now() + 3_600_000);
    const answer = decode<{ jwt?: string; error?: string }>(
      await encodeAllowed(request, issuer, { name: 'spiffe://mesh.test/ns/shop/sa/web', account: 'WEFT', permissions: { publish: { allow: ['a.b'] }, subscribe: { allow: ['_I.x.>'] } }, expiresAt }),
    );
    expect(answer.iss).toBe(issuer.getPublicKey());
    expect(answer.aud).toBe(server.getPublicKey());
    expect(answer.sub).toBe(userNkey);
    const user = decode<User>(answer.nats.jwt ?? '');
    expect(user.sub).toBe(userNkey);
    expect(user.aud).toBe('WEFT');
    expect(user.iss).toBe(issuer.getPublicKey());
    expect(user.name).toBe('spiffe://mesh.test/ns/shop/sa/web');
    expect(user.exp).toBe(Math.floor(expiresAt.getTime() / 1000));
    expect(user.nats.pub?.allow).toEqual(['a.b']);
    expect(user.nats.sub?.allow).toEqual(['_I.x.>']);

    const refused = decode<{ jwt?: string; error?: string }>(await encodeRefused(request, issuer, 'no client certificate'));
    expect(refused.nats.error).toBe('no client certificate');
    expect(refused.nats.jwt).toBeUndefined();
  });

  it('callout - refuses a request not signed by the server it names, of another type, or not a JWT', async () => {
    const server = createServer();
    await expect(serverRequest(server, createServer(), []).then((r) => readAuthRequest(r.token))).rejects.toThrow(IntegrityError);
    await expect(serverRequest(server, server, [], 'user').then((r) => readAuthRequest(r.token))).rejects.toThrow(/type user/);
    expect(() => readAuthRequest('not.a.jwt')).toThrow(IntegrityError);
    const unverified = readAuthRequest((await serverRequest(server, server, [])).token);
    expect(unverified.verified).toBe(false);
    expect(unverified.clientChain).toEqual([]);
  });
});
