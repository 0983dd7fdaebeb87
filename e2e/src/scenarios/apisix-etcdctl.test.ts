/**
 * Operators read the agent's store with etcdctl (etcd 3.6's own client, over gRPC on the same port APISIX uses).
 * `get` is compared with a real etcd holding the same keys; `watch` must stream the agent's changes.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigStore, resourcesToEntries, startEtcdServer } from '@weft/apisix';
import { emptyApisixResources } from '@weft/model';
import type { ApisixResources } from '@weft/model';
import { createLogger } from '@weft/telemetry';
import { serverPaths, startEtcd, waitFor } from '../harness/index.js';

const run = promisify(execFile);
const logger = createLogger({ component: 'e2e-etcdctl', level: 'warn' });
const b64 = (text: string): string => Buffer.from(text).toString('base64');

const resources = (uri: string, withR2: boolean): ApisixResources => ({
  ...emptyApisixResources(),
  routes: [{ id: 'r1', uri, upstream_id: 'u1' }, ...(withR2 ? [{ id: 'r2', uri: '/two', upstream_id: 'u1' }] : [])],
  upstreams: [{ id: 'u1', nodes: [{ host: '10.2.0.9', port: 9090, weight: 1 }] }],
});

async function etcdctl(endpoint: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(serverPaths().etcdctl, [`--endpoints=${endpoint}`, '--command-timeout=5s', ...args], { timeout: 15_000 });
  return stdout;
}

type Json = Record<string, unknown>;

/** etcdctl -w json output with revisions made relative to `base` and the cluster identity dropped. */
function relativeGet(text: string, base: number): unknown {
  const parsed = JSON.parse(text) as Json;
  const header = parsed['header'] as Json;
  return {
    revision: Number(header['revision']) - base,
    count: parsed['count'],
    kvs: (parsed['kvs'] as Json[]).map((kv) => ({
      ...kv,
      create_revision: Number(kv['create_revision']) - base,
      mod_revision: Number(kv['mod_revision']) - base,
    })),
  };
}

describe('etcdctl against the agent', () => {
  it('etcdctl - get --prefix reads the same keys, values and relative revisions as from a real etcd', async () => {
    await using etcd = await startEtcd();
    const store = new ConfigStore();
    await using agent = await startEtcdServer(store, { logger, port: 0 });
    const etcdBase = Number(((JSON.parse(await etcdctl(etcd.endpoint, 'get', '/', '-w', 'json')) as Json)['header'] as Json)['revision']);
    const agentBase = store.revision;
    const entries = [...resourcesToEntries(resources('/one', true))].sort(([a], [b]) => (a < b ? -1 : 1));
    const txn = await fetch(`${etcd.endpoint}/v3/kv/txn`, {
      method: 'POST',
      body: JSON.stringify({ success: entries.map(([key, value]) => ({ request_put: { key: b64(key), value: b64(value) } })) }),
    });
    expect(txn.ok).toBe(true);
    store.applyResources(resources('/one', true));

    const [real, ours] = await Promise.all([etcdctl(etcd.endpoint, 'get', '--prefix', '/apisix', '-w', 'json'), etcdctl(agent.endpoint, 'get', '--prefix', '/apisix', '-w', 'json')]);
    expect(relativeGet(ours, agentBase)).toEqual(relativeGet(real, etcdBase));
    const plain = await etcdctl(agent.endpoint, 'get', '--prefix', '/apisix/routes/');
    expect(plain).toBe(await etcdctl(etcd.endpoint, 'get', '--prefix', '/apisix/routes/'));
    expect(plain).toContain('/apisix/routes/r1\n{"id":"r1","upstream_id":"u1","uri":"/one"}\n');
    expect(await etcdctl(agent.endpoint, 'get', '--prefix', '/apisix', '--count-only', '-w', 'fields')).toContain(`"Count" : ${entries.length}\n`);
  });

  it('etcdctl - watch streams the agent changes; writes are refused', async () => {
    const store = new ConfigStore();
    store.applyResources(resources('/one', true));
    await using agent = await startEtcdServer(store, { logger, port: 0 });
    const from = store.revision;
    const child = spawn(serverPaths().etcdctl, [`--endpoints=${agent.endpoint}`, 'watch', '--prefix', '/apisix/routes/', `--rev=${from}`]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      // Replay from --rev: the initial puts of r1 and r2.
      await waitFor('replayed puts', () => out.includes('/apisix/routes/r2'), { timeoutMs: 10_000 });
      await waitFor('watch registered', () => store.stats().watchers === 1);
      store.applyResources(resources('/changed', false));
      await waitFor('delete and put events', () => out.includes('DELETE\n/apisix/routes/r2') && out.includes('"uri":"/changed"'), { timeoutMs: 10_000 });
    } finally {
      child.kill('SIGTERM');
    }
    await expect(etcdctl(agent.endpoint, 'put', '/apisix/routes/r9', '{}')).rejects.toThrow(/permission denied/);
    await expect(etcdctl(agent.endpoint, 'del', '/apisix/routes/r1')).rejects.toThrow(/permission denied/);
    await waitFor('watch stream gone', () => store.stats().watchers === 0);
  });
});
