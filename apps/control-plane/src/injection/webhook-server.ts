import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@weft/telemetry';
import type { ReviewReply } from './pod-injector.js';

/** The webhook's path, as the MutatingWebhookConfiguration names it. */
export const INJECT_PATH = '/inject';

/** A Pod is at most ~1.5 MiB in etcd and an AdmissionReview carries it once for a CREATE: 4 MiB leaves room. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface TlsIdentity {
  readonly keyPem: string;
  readonly chainPem: string;
}

export interface WebhookServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls: TlsIdentity;
  readonly review: (body: string) => Promise<ReviewReply>;
  readonly log: Logger;
  readonly maxBodyBytes?: number;
  /** Whole-request deadline (headers and body); the API server's own timeout is at most 30 s. */
  readonly requestTimeoutMs?: number;
}

export interface WebhookServer {
  readonly port: number;
  /** `https://host:port/inject` */
  readonly url: string;
  /** Serves new connections with a renewed certificate; open ones keep theirs. */
  setTls(tls: TlsIdentity): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * The HTTPS endpoint the API server calls: POST /inject with an AdmissionReview v1 JSON body. Bad requests get a
 * status and a one-line message (404 path, 405 method, 415 content type, 413 too large, 400 not an AdmissionReview);
 * a failure inside the injector answers 500 and the server keeps serving.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log;
  const server: Server = createServer({ key: options.tls.keyPem, cert: options.tls.chainPem, minVersion: 'TLSv1.2' }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log.error({ err: (err as Error).message }, 'the webhook failed to answer');
      send(res, status, 'text/plain; charset=utf-8', `${(err as Error).message}\n`);
    });
  });
  server.requestTimeout = options.requestTimeoutMs ?? 10_000;
  server.headersTimeout = Math.min(server.requestTimeout, 10_000);
  // A TLS handshake that never finishes must not hold a socket forever.
  server.on('tlsClientError', (err) => {
    log.debug({ err: err.message }, 'a TLS handshake with the webhook failed');
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== INJECT_PATH) throw new HttpError(404, `not found: the webhook serves POST ${INJECT_PATH}`);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      throw new HttpError(405, `method ${req.method ?? ''} not allowed: POST an AdmissionReview to ${INJECT_PATH}`);
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, `content type "${req.headers['content-type'] ?? ''}" is not application/json`);
    const body = await readBody(req, maxBodyBytes);
    const reply = await options.review(body);
    if (reply.status === 400) {
      send(res, 400, 'text/plain; charset=utf-8', `invalid AdmissionReview: ${reply.message}\n`);
      return;
    }
    send(res, 200, 'application/json', JSON.stringify(reply.review));
  }

  server.listen(options.port, options.host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err as Error))]);
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    port,
    url: `https://${host}:${port}${INJECT_PATH}`,
    setTls(tls) {
      server.setSecureContext({ key: tls.keyPem, cert: tls.chainPem, minVersion: 'TLSv1.2' });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The body as text; 413 as soon as it passes the cap (declared or streamed), without reading the rest. */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) {
    req.resume();
    throw new HttpError(413, `body of ${declared} bytes is larger than the ${maxBytes} allowed`);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // Drain the rest without keeping it, so the 413 can still be written on this connection.
      req.off('data', onData);
      req.resume();
      reject(new HttpError(413, `body is larger than the ${maxBytes} bytes allowed`));
    };
    req.on('data', onData);
    req.once('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', reject);
  });
}
