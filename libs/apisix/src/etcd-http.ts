/**
 * etcd v3 HTTP/JSON gateway for APISIX (contract §1.2, §1.3): range, chunked NDJSON watch, /version.
 * A read-only data-plane mirror: writes, leases and compaction are refused with etcd's "permission denied"
 * (HTTP 403, never 5xx, which APISIX would count as an endpoint failure); authenticate answers as an etcd
 * without auth does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@weft/telemetry';
import type { ConfigStore } from './config-store.js';
import type { EtcdIdentity, WatchMessage } from './contract.js';
import { FutureRevisionError, InvalidEtcdRequestError, RevisionCompactedError } from './errors.js';
import { errorJson, eventJson, headerJson, rangeResponseJson } from './etcd-json.js';
import type { JsonObject } from './etcd-json.js';
import { decodeRangeRequest, decodeWatchCreateRequest } from './etcd-requests.js';

/** gRPC status codes the gateway maps to HTTP statuses (grpc-gateway's table). */
const GRPC_TO_HTTP: Readonly<Record<number, number>> = { 3: 400, 5: 404, 7: 403, 9: 400, 11: 400, 12: 501, 13: 500 };
const MAX_BODY_BYTES = 1 << 20;

const READ_ONLY_PATHS = new Set([
  '/v3/kv/put',
  '/v3/kv/deleterange',
  '/v3/kv/txn',
  '/v3/kv/compaction',
  '/v3/lease/grant',
  '/v3/lease/revoke',
  '/v3/lease/keepalive',
  '/v3/lease/timetolive',
  '/v3/lease/leases',
]);
const KNOWN_POST_PATHS = new Set(['/v3/kv/range', '/v3/watch', '/v3/auth/authenticate', ...READ_ONLY_PATHS]);

export interface EtcdHttpDeps {
  readonly store: ConfigStore;
  readonly identity: EtcdIdentity;
  readonly version: { readonly etcdserver: string; readonly etcdcluster: string };
  readonly logger: Logger;
  readonly maxWatchBacklogBytes: number;
  /** Registers an open watch stream; the returned function unregisters it. `end` closes it at shutdown. */
  readonly trackWatch: (end: () => void) => () => void;
}

export function createEtcdHttpHandler(deps: EtcdHttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(deps, req, res).catch((err: unknown) => {
      deps.logger.error({ err, path: req.url }, 'etcd api request failed');
      if (!res.headersSent) sendError(res, 13, 'etcdserver: internal error');
      else res.destroy();
    });
  };
}

async function handle(deps: EtcdHttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/version' || path === '/health') {
    if (req.method !== 'GET') {
      res.writeHead(405, { 'Content-Type': 'text/plain' }).end('Method Not Allowed');
      return;
    }
    sendJson(res, 200, path === '/version' ? { ...deps.version } : { health: 'true', reason: '' });
    return;
  }
  if (!KNOWN_POST_PATHS.has(path)) {
    sendError(res, 5, 'Not Found');
    return;
  }
  if (req.method !== 'POST') {
    sendError(res, 12, 'Method Not Allowed');
    return;
  }
  const body = await readJsonBody(req);
  if (body === undefined) {
    sendError(res, 3, 'invalid request body: not a JSON object');
    return;
  }
  if (READ_ONLY_PATHS.has(path)) {
    sendError(res, 7, 'etcdserver: permission denied');
    return;
  }
  if (path === '/v3/auth/authenticate') {
    sendError(res, 9, 'etcdserver: authentication is not enabled');
    return;
  }
  if (path === '/v3/kv/range') {
    serveRange(deps, body, res);
    return;
  }
  serveWatch(deps, body, req, res);
}

function serveRange(deps: EtcdHttpDeps, body: Record<string, unknown>, res: ServerResponse): void {
  try {
    const result = deps.store.range(decodeRangeRequest(body));
    sendJson(res, 200, rangeResponseJson(deps.identity, result));
  } catch (err) {
    if (err instanceof RevisionCompactedError) sendError(res, 11, 'etcdserver: mvcc: required revision has been compacted');
    else if (err instanceof FutureRevisionError) sendError(res, 11, 'etcdserver: mvcc: required revision is a future revision');
    else if (err instanceof InvalidEtcdRequestError) sendError(res, 3, err.message);
    else throw err;
  }
}

function serveWatch(deps: EtcdHttpDeps, body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse): void {
  const create = body['create_request'];
  if (create === null || typeof create !== 'object') {
    sendError(res, 3, 'watch: only create_request is served on the gateway stream');
    return;
  }
  let query;
  try {
    query = decodeWatchCreateRequest(create as Record<string, unknown>);
  } catch (err) {
    if (err instanceof InvalidEtcdRequestError) {
      sendError(res, 3, err.message);
      return;
    }
    throw err;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  const send = (result: JsonObject): void => {
    if (res.destroyed) return;
    // One message per chunk, newline-terminated: lua-resty-etcd reads until a chunk ends in "\n".
    res.write(`${JSON.stringify({ result })}\n`);
    if (res.writableLength > deps.maxWatchBacklogBytes) {
      deps.logger.warn({ backlog: res.writableLength }, 'watch client too slow, closing its stream');
      res.destroy();
    }
  };
  const watch = deps.store.watch(query, (message) => {
    send(watchResultJson(deps.identity, message));
  });
  const untrack = deps.trackWatch(() => res.end());
  res.on('close', () => {
    watch.cancel();
    untrack();
  });
  req.socket.setKeepAlive(true);
}

/** One watch message as etcd 3.6 frames it: the compaction cancel has no header.revision and no cancel_reason. */
export function watchResultJson(identity: EtcdIdentity, message: WatchMessage): JsonObject {
  switch (message.kind) {
    case 'created':
      return { header: headerJson(identity, message.revision), created: true };
    case 'events':
      return { header: headerJson(identity, message.revision), events: message.events.map(eventJson) };
    case 'compacted':
      return { header: headerJson(identity, undefined), canceled: true, compact_revision: String(message.compactRevision) };
  }
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: JsonObject): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function sendError(res: ServerResponse, code: number, message: string): void {
  sendJson(res, GRPC_TO_HTTP[code] ?? 500, errorJson(code, message));
}
