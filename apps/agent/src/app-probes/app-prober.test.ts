import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server as TcpServer } from 'node:net';
import { Server as GrpcServer, ServerCredentials } from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { createLogger } from '@weft/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { appHealthHandler } from './app-health.js';
import { runAppProbe } from './app-prober.js';
import { parseAppProbers } from './config-entries.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const portOf = (server: Server | TcpServer): number => (server.address() as AddressInfo).port;

async function httpApp(handler: (path: string, headers: Record<string, unknown>) => number): Promise<number> {
  const server = createServer((req, res) => {
    res.statusCode = handler(req.url ?? '/', req.headers);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => { resolve(); })));
  return portOf(server);
}

/** A real grpc.health.v1 server: SERVING for "api.v1", NOT_SERVING for anything else. */
async function grpcHealthApp(): Promise<number> {
  const server = new GrpcServer();
  const definition: ServiceDefinition = {
    Check: {
      path: '/grpc.health.v1.Health/Check',
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: string) => Buffer.from(v),
      requestDeserialize: (b: Buffer) => (b.length > 2 ? b.subarray(2).toString('utf8') : ''),
      responseSerialize: (status: number) => Buffer.from([0x08, status]),
      responseDeserialize: (b: Buffer) => b[1] ?? 0,
    },
  };
  server.addService(definition, {
    Check: (call: { request: string }, callback: (err: null, status: number) => void) => {
      callback(null, call.request === 'api.v1' ? 1 : 2);
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => {
      if (err === null) resolve(p);
      else reject(err);
    });
  });
  closers.push(() => new Promise((resolve) => { server.tryShutdown(() => { resolve(); }); }));
  return port;
}

describe('agent - app probes', () => {
  it('httpGet: 200-399 pass, 500 fails, headers and path are the original probe’s; a closed port fails', async () => {
    let seen: { path: string; probe: unknown } | undefined;
    const port = await httpApp((path, headers) => {
      seen = { path, probe: headers['x-probe'] };
      return path === '/ready' ? 200 : path === '/moved' ? 302 : 500;
    });
    expect(await runAppProbe({ httpGet: { port, path: '/ready', httpHeaders: [{ name: 'X-Probe', value: 'kubelet' }] } })).toEqual({ ok: true, detail: 'HTTP 200' });
    expect(seen).toEqual({ path: '/ready', probe: 'kubelet' });
    expect((await runAppProbe({ httpGet: { port, path: '/moved' } })).ok).toBe(true);
    expect(await runAppProbe({ httpGet: { port, path: '/broken' } })).toEqual({ ok: false, detail: 'HTTP probe failed with statuscode: 500' });
    const closed = await httpApp(() => 200);
    await closers.pop()?.();
    const refused = await runAppProbe({ httpGet: { port: closed, path: '/' } });
    expect(refused.ok).toBe(false);
    expect(refused.detail).toContain('ECONNREFUSED');
  });

  it('httpGet: an app that does not answer within timeoutSeconds fails', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }));
    const started = Date.now();
    const result = await runAppProbe({ httpGet: { port: portOf(server), path: '/' }, timeoutSeconds: 1 });
    expect(result).toEqual({ ok: false, detail: expect.stringContaining('no answer in 1000 ms') as unknown });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('tcpSocket: an open port passes, a closed one fails', async () => {
    const server = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = portOf(server);
    expect((await runAppProbe({ tcpSocket: { port } })).ok).toBe(true);
    await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    expect((await runAppProbe({ tcpSocket: { port } })).ok).toBe(false);
  });

  it('grpc: SERVING passes, NOT_SERVING and no server fail', async () => {
    const port = await grpcHealthApp();
    expect(await runAppProbe({ grpc: { port, service: 'api.v1' } })).toEqual({ ok: true, detail: 'SERVING' });
    expect(await runAppProbe({ grpc: { port, service: 'other' } })).toEqual({ ok: false, detail: 'gRPC health of "other" is NOT_SERVING' });
    await closers.pop()?.();
    expect((await runAppProbe({ grpc: { port }, timeoutSeconds: 1 })).ok).toBe(false);
  });

  it('the /app-health handler answers 200 or 503 by the original probe, 404 for a path that was not rewritten', async () => {
    let healthy = true;
    const port = await httpApp(() => (healthy ? 200 : 503));
    const probers = parseAppProbers(JSON.stringify({ '/app-health/web/readyz': { httpGet: { port, path: '/ready' } } }));
    const handle = appHealthHandler(probers, createLogger({ component: 'test', level: 'silent' }));
    expect((await handle('/app-health/web/readyz')).status).toBe(200);
    healthy = false;
    expect(await handle('/app-health/web/readyz')).toEqual({ status: 503, body: 'HTTP probe failed with statuscode: 503\n' });
    expect((await handle('/app-health/web/livez')).status).toBe(404);
  });

  it('WEFT_APP_PROBERS: empty is none; anything but probes keyed by /app-health/ paths is refused', () => {
    expect(parseAppProbers('')).toEqual({});
    expect(() => parseAppProbers('{')).toThrow('is not JSON');
    expect(() => parseAppProbers('{"/healthz":{"tcpSocket":{"port":80}}}')).toThrow('"/healthz" does not start with /app-health/');
    expect(() => parseAppProbers('{"/app-health/web/livez":{"exec":{}}}')).toThrow('not an httpGet, tcpSocket or grpc probe');
    expect(() => parseAppProbers('{"/app-health/web/livez":{"tcpSocket":{"port":"http"}}}')).toThrow('numeric port');
  });
});
