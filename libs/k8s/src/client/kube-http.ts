import { Agent, request } from 'node:https';
import type { RequestOptions } from 'node:https';
import { request as plainRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createSecureContext } from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from './kube-object.js';

/** An answer from the API server that is not a success; `status` is the HTTP status, `reason` the Status reason. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The API server could not be reached at all (connection refused, TLS failure, timeout). */
export class KubeConnectionError extends Error {
  override readonly name = 'KubeConnectionError';
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: KubeObject;
}

export interface JsonRequestOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Replaces `application/json`, e.g. to ask for PartialObjectMetadata (METADATA_ONLY_ACCEPT). */
  readonly accept?: string;
}

/** Accept headers that make the API server answer lists and watches with metadata only (PartialObjectMetadata). */
export const METADATA_ONLY_ACCEPT = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
  watch: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
} as const;

export interface KubeList {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items?: readonly KubeObject[];
}

interface StatusBody {
  readonly kind?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
}

/**
 * A small HTTP client for the Kubernetes API built from a KubeConfig (certificates, tokens, CA). Weft needs only
 * JSON requests and watch streams, and owning both keeps resourceVersion, bookmarks and 410 handling explicit.
 */
export class KubeHttp {
  private readonly server: URL;
  private agent: Agent | undefined;

  constructor(private readonly kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) throw new KubeConnectionError('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  get serverUrl(): string {
    return this.server.toString();
  }

  private async options(method: string, path: string, headers: Record<string, string>): Promise<RequestOptions> {
    const opts: RequestOptions = {
      method,
      hostname: this.server.hostname,
      port: this.server.port,
      path,
      headers: { Accept: 'application/json', ...headers },
    };
    // Fills in the CA, client certificate/key and bearer token (refreshing exec/OIDC tokens when it needs to).
    await this.kubeConfig.applyToHTTPSOptions(opts);
    opts.agent = this.reusingAgent(opts);
    return opts;
  }

  /**
   * client-node's agent opens a new connection, with a TLS context built anew, for every request (~2 ms of CPU each,
   * which a storm of TokenReviews feels). This one keeps connections alive and builds the context once. Through a
   * proxy, or over plain HTTP, client-node's agent is kept.
   */
  private reusingAgent(opts: RequestOptions): RequestOptions['agent'] {
    if (this.server.protocol !== 'https:' || (this.kubeConfig.getCurrentCluster()?.proxyUrl ?? '') !== '') return opts.agent;
    this.agent ??= new Agent({
      keepAlive: true,
      secureContext: createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key }),
      ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
      ...(opts.servername === undefined ? {} : { servername: opts.servername }),
    });
    return this.agent;
  }

  private async send(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
    signal?: AbortSignal,
    timeoutMs = 30_000,
  ): Promise<IncomingMessage> {
    const opts = await this.options(method, path, headers);
    const send = this.server.protocol === 'http:' ? plainRequest : request;
    return new Promise((resolve, reject) => {
      const req = send({ ...opts, signal, timeout: timeoutMs }, resolve);
      req.on('timeout', () => req.destroy(new KubeConnectionError(`${method} ${path}: no answer in ${timeoutMs} ms`)));
      req.on('error', (err) => {
        reject(err instanceof KubeConnectionError || err.name === 'AbortError' ? err : new KubeConnectionError(`${method} ${this.server.host}${path}: ${err.message}`, { cause: err }));
      });
      req.end(body);
    });
  }

  /**
   * Sends a JSON request and returns the decoded answer; non-2xx answers become KubeApiError. `signal` aborts it
   * (an AbortError), `timeoutMs` bounds a silent server (default 30 s).
   */
  async json<T>(method: string, path: string, body?: unknown, contentType = 'application/json', options: JsonRequestOptions = {}): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = payload === undefined ? {} : { 'Content-Type': contentType };
    if (options.accept !== undefined) headers['Accept'] = options.accept;
    const res = await this.send(method, path, payload, headers, options.signal, options.timeoutMs);
    const text = await readAll(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiError(method, path, status, text);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /**
   * Opens a watch stream and yields its events until the server ends it, the signal aborts, or the connection
   * fails (then it throws). A non-2xx answer to the request itself throws KubeApiError (410 when too old).
   */
  async *watch(path: string, signal: AbortSignal, timeoutMs: number, accept?: string): AsyncGenerator<WatchEvent> {
    const res = await this.send('GET', path, undefined, accept === undefined ? {} : { Accept: accept }, signal, timeoutMs);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiError('GET', path, status, await readAll(res));
    res.setEncoding('utf8');
    let buffered = '';
    for await (const chunk of res as AsyncIterable<string>) {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line !== '') yield JSON.parse(line) as WatchEvent;
        nl = buffered.indexOf('\n');
      }
    }
  }
}

async function readAll(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return text;
}

function apiError(method: string, path: string, status: number, text: string): KubeApiError {
  let parsed: StatusBody = {};
  try {
    parsed = JSON.parse(text) as StatusBody;
  } catch {
    // Not a Status object (a proxy's HTML page, say): quote the text.
  }
  const message = parsed.message ?? text.slice(0, 200);
  return new KubeApiError(`${method} ${path}: ${status} ${message}`, status, parsed.reason);
}
