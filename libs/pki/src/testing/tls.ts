// A mutual-TLS server and client on loopback with node:tls, to check SVIDs in a real handshake.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import type { PeerCertificate, Server, TLSSocket } from 'node:tls';

export interface TlsIdentity {
  readonly keyPem: string;
  /** Leaf then intermediates. */
  readonly chainPem: string;
  /** Roots this side trusts. */
  readonly bundlePem: string;
}

export interface MtlsServer {
  readonly port: number;
  /** URI SANs of clients that completed the handshake, in order. */
  readonly acceptedPeers: string[];
  /** Why the server refused client certificates (OpenSSL verification codes such as CERT_HAS_EXPIRED). */
  readonly refusals: string[];
  close(): Promise<void>;
}

/**
 * Requires a client certificate chaining to the bundle and greets each accepted client with its URI SAN. It does
 * what `rejectUnauthorized: true` does (drop a client whose certificate did not verify), but by hand, because
 * Node then drops the socket silently and the test wants to see why.
 */
export async function startMtlsServer(identity: TlsIdentity): Promise<MtlsServer> {
  const acceptedPeers: string[] = [];
  const refusals: string[] = [];
  const server: Server = createServer(
    {
      key: identity.keyPem,
      cert: identity.chainPem,
      ca: identity.bundlePem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    (socket: TLSSocket) => {
      if (!socket.authorized) {
        refusals.push(String(socket.authorizationError));
        socket.destroy();
        return;
      }
      const peer = uriSan(socket.getPeerCertificate());
      acceptedPeers.push(peer);
      socket.end(`hello ${peer}\n`);
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    acceptedPeers,
    refusals,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

export interface MtlsResult {
  /** The server's URI SAN as the client read it. */
  readonly serverId: string;
  /** What the server sent back. */
  readonly reply: string;
}

/**
 * Connects with a client certificate and checks the server's identity by its URI SAN, not its host name (SVIDs
 * carry no name for 127.0.0.1). Rejects on any handshake or verification error, or when the server hangs up.
 */
export function mtlsRequest(port: number, identity: TlsIdentity, expectedServerId: string): Promise<MtlsResult> {
  return new Promise((resolve, reject) => {
    let reply = '';
    let serverId = '';
    const socket = connect({
      host: '127.0.0.1',
      port,
      key: identity.keyPem,
      cert: identity.chainPem,
      ca: identity.bundlePem,
      rejectUnauthorized: true,
      checkServerIdentity: (_host, cert) => {
        serverId = uriSan(cert);
        return serverId === expectedServerId ? undefined : new Error(`server is ${serverId}, expected ${expectedServerId}`);
      },
    });
    socket.setEncoding('utf8');
    socket.setTimeout(10_000, () => socket.destroy(new Error('TLS request timed out')));
    socket.on('data', (chunk: string) => {
      reply += chunk;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      if (reply === '') reject(new Error('server closed the connection without a reply'));
      else resolve({ serverId, reply });
    });
  });
}

function uriSan(cert: PeerCertificate): string {
  const uris = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((name) => name.startsWith('URI:'))
    .map((name) => name.slice('URI:'.length));
  return uris.join(',');
}
