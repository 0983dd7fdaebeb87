/**
 * One loopback port speaking both of etcd's client protocols, like etcd itself: HTTP/1.1 JSON gateway (APISIX)
 * and gRPC over cleartext HTTP/2 (etcdctl). The first bytes of a connection decide: the HTTP/2 preface starts "PRI ".
 * The gRPC side (grpc-js, proto-loader: several MB of an agent's memory) is loaded with the first gRPC connection.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { Socket } from 'node:net';
import { duplexPair } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { ConfigStore } from './config-store.js';
import type { EtcdIdentity, EtcdServer, EtcdServerOptions } from './contract.js';
import type { EtcdGrpcEndpoint } from './etcd-grpc.js';
import { createEtcdHttpHandler } from './etcd-http.js';

const DEFAULT_IDENTITY: EtcdIdentity = { clusterId: '14841639068965178418', memberId: '10276657743932975437', raftTerm: '1' };
const HTTP2_PREFACE = Buffer.from('PRI ');

/** Serves `store` as etcd v3 on `host:port` (default 127.0.0.1:2379). */
export async function startEtcdServer(store: ConfigStore, options: EtcdServerOptions): Promise<EtcdServer> {
  const logger = options.logger.child({ scope: 'etcd-api' });
  const identity: EtcdIdentity = { ...DEFAULT_IDENTITY, ...options.identity };
  const openWatches = new Set<() => void>();
  const trackWatch = (end: () => void): (() => void) => {
    openWatches.add(end);
    return () => openWatches.delete(end);
  };

  const http = createHttpServer(
    { keepAlive: true, requestTimeout: 0, headersTimeout: 30_000 },
    createEtcdHttpHandler({
      store,
      identity,
      logger,
      version: options.version ?? { etcdserver: '3.6.0', etcdcluster: '3.6.0' },
      maxWatchBacklogBytes: options.maxWatchBacklogBytes ?? 32 << 20,
      trackWatch,
    }),
  );
  // Watches are long-lived: the client (APISIX: every 50 s) decides when to drop them.
  http.timeout = 0;
  http.keepAliveTimeout = 60_000;

  const withGrpc = options.grpc ?? true;
  let grpcEndpoint: Promise<EtcdGrpcEndpoint> | undefined;
  const grpc = (): Promise<EtcdGrpcEndpoint> =>
    (grpcEndpoint ??= import('./etcd-grpc.js').then((m) => m.createEtcdGrpcEndpoint({ store, identity, logger, trackWatch })));

  const sockets = new Set<Socket>();
  const listener = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) => { logger.debug({ err }, 'etcd api connection error'); });
    route(socket, (head) => {
      if (withGrpc && head.subarray(0, HTTP2_PREFACE.length).equals(HTTP2_PREFACE)) {
        // The relay holds the connection's bytes until the gRPC server is there to read them.
        const connection = relay(socket, head);
        grpc().then(
          (endpoint) => {
            if (closing === undefined) endpoint.injectConnection(connection);
            else connection.destroy();
          },
          (err: unknown) => {
            logger.error({ err }, 'the etcd gRPC API could not start');
            connection.destroy();
          },
        );
      } else {
        socket.unshift(head);
        http.emit('connection', socket);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port ?? 2379, options.host ?? '127.0.0.1', () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const address = listener.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const host = options.host ?? '127.0.0.1';
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ endpoint, grpc: withGrpc }, 'etcd v3 API listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const end of [...openWatches]) end();
      const listenerClosed = new Promise<void>((resolve) => listener.close(() => { resolve(); }));
      http.closeAllConnections();
      (await grpcEndpoint?.catch(() => undefined))?.close();
      for (const socket of sockets) socket.destroy();
      await listenerClosed;
    })();
    return closing;
  };
  return { endpoint, port, watchStreams: () => openWatches.size, close, [Symbol.asyncDispose]: close };
}

/** Reads the first bytes of a connection (enough to tell the HTTP/2 preface from an HTTP/1 method) and hands them on. */
function route(socket: Socket, to: (head: Buffer) => void): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    if (head.length < HTTP2_PREFACE.length && HTTP2_PREFACE.subarray(0, head.length).equals(head)) return;
    socket.off('data', onData);
    socket.pause();
    to(head);
    socket.resume();
  };
  socket.on('data', onData);
}

/**
 * An in-memory duplex carrying `head` then the socket's bytes. HTTP/2 sessions read a raw socket's handle directly
 * and would miss bytes put back with unshift(), so gRPC connections get this relay instead.
 */
function relay(socket: Socket, head: Buffer): Duplex {
  const [inner, outer] = duplexPair();
  outer.write(head);
  socket.pipe(outer);
  outer.pipe(socket);
  socket.on('close', () => inner.destroy());
  inner.on('close', () => socket.destroy());
  return inner;
}
