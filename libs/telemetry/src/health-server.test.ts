import { afterEach, describe, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import { startHealthServer } from './health-server.js';
import type { HealthServer, Readiness } from './health-server.js';
import { createMetricsRegistry } from './metrics.js';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health server', () => {
  it('answers /healthz always and /readyz by the readiness it is given, with the reason', async () => {
    let readiness: Readiness = { ready: false, reason: 'no snapshot applied yet' };
    server = await startHealthServer({ port: 0, registry: createMetricsRegistry(), readiness: () => readiness });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain('no snapshot applied yet');
    readiness = { ready: true };
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('serves Prometheus metrics with the weft_ prefix, process metrics included', async () => {
    const registry = createMetricsRegistry({ component: 'agent' });
    new Counter({ name: 'weft_snapshots_applied_total', help: 'Snapshots applied.', registers: [registry] }).inc(3);
    server = await startHealthServer({ port: 0, registry, readiness: () => ({ ready: true }) });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('weft_snapshots_applied_total{component="agent"} 3');
    expect(text).toMatch(/^weft_process_resident_memory_bytes\{component="agent"\} \d+/m);
  });

  it('serves extra JSON endpoints', async () => {
    server = await startHealthServer({
      port: 0,
      registry: createMetricsRegistry(),
      readiness: () => ({ ready: true }),
      extraJson: { '/debug/state': () => ({ version: '42' }) },
    });
    expect(await (await fetch(`${server.url}/debug/state`)).json()).toEqual({ version: '42' });
  });

  it('answers every path under a prefix route with the status and text of the route', async () => {
    server = await startHealthServer({
      port: 0,
      registry: createMetricsRegistry(),
      readiness: () => ({ ready: true }),
      prefixRoutes: { '/app-health/': (path) => Promise.resolve(path.endsWith('/readyz') ? { status: 200, body: 'ok\n' } : { status: 503, body: `down: ${path}\n` }) },
    });
    expect((await fetch(`${server.url}/app-health/web/readyz`)).status).toBe(200);
    const down = await fetch(`${server.url}/app-health/web/livez`);
    expect(down.status).toBe(503);
    expect(await down.text()).toBe('down: /app-health/web/livez\n');
    expect((await fetch(`${server.url}/app-healthz`)).status).toBe(404);
  });
});
