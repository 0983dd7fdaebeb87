import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Readiness as the process sees it: ready, or not yet with the reason shown on /readyz. */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

export interface HealthServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  readonly host?: string;
  readonly registry: Registry;
  /** Called on every /readyz. */
  readonly readiness: () => Readiness;
  /** Extra JSON endpoints (e.g. `/debug/state`), each a function returning the body. */
  readonly extraJson?: Readonly<Record<string, () => unknown>>;
  /**
   * Plain-text endpoints for every path under a prefix (e.g. the agent's `/app-health/`), answered asynchronously:
   * the function gets the whole path.
   */
  readonly prefixRoutes?: Readonly<Record<string, (path: string) => Promise<{ readonly status: number; readonly body: string }>>>;
}

export interface HealthServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

function prefixRouteOf(options: HealthServerOptions, path: string): ((path: string) => Promise<{ status: number; body: string }>) | undefined {
  const routes = options.prefixRoutes ?? {};
  const prefix = Object.keys(routes).find((p) => path.startsWith(p));
  return prefix === undefined ? undefined : routes[prefix];
}

/** Serves /healthz (the process answers), /readyz (its readiness) and /metrics (Prometheus text). */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'text/plain', 'method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      send(200, 'text/plain', 'ok\n');
    } else if (path === '/readyz') {
      const r = options.readiness();
      if (r.ready) send(200, 'text/plain', 'ready\n');
      else send(503, 'text/plain', `not ready: ${r.reason}\n`);
    } else if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => {
          send(200, options.registry.contentType, text);
        },
        (err: unknown) => {
          send(500, 'text/plain', `metrics failed: ${String(err)}\n`);
        },
      );
    } else if (path !== undefined && prefixRouteOf(options, path) !== undefined) {
      prefixRouteOf(options, path)?.(path).then(
        (answer) => {
          send(answer.status, 'text/plain', answer.body);
        },
        (err: unknown) => {
          send(500, 'text/plain', `failed: ${String(err)}\n`);
        },
      );
    } else {
      const extra = path === undefined ? undefined : options.extraJson?.[path];
      if (extra === undefined) send(404, 'text/plain', 'not found\n');
      else send(200, 'application/json', `${JSON.stringify(extra(), null, 2)}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
