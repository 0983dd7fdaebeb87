import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@weft/telemetry';
import { ConfigStore } from './config-store.js';
import { ETCD_PROTO_DESCRIPTOR } from './etcd-proto.js';
import { startEtcdServer } from './etcd-server.js';

const logger = createLogger({ component: 'apisix-test', level: 'silent' });
type Obj = Record<string, unknown>;

interface KvClient extends grpc.Client {
  Range(request: Obj, callback: (err: grpc.ServiceError | null, response: Obj) => void): void;
}
interface WatchClient extends grpc.Client {
  Watch(): grpc.ClientDuplexStream<Obj, Obj>;
}

function grpcClients(endpoint: string): { kv: KvClient; watch: WatchClient } {
  const pkg = protoLoader.fromJSON(ETCD_PROTO_DESCRIPTOR as unknown as Parameters<typeof protoLoader.fromJSON>[0], {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const address = endpoint.replace('http://', '');
  const creds = grpc.credentials.createInsecure();
  const KV = grpc.makeClientConstructor(pkg['etcdserverpb.KV'] as grpc.ServiceDefinition, 'KV');
  const Watch = grpc.makeClientConstructor(pkg['etcdserverpb.Watch'] as grpc.ServiceDefinition, 'Watch');
  return { kv: new KV(address, creds) as unknown as KvClient, watch: new Watch(address, creds) as unknown as WatchClient };
}

const entries = (pairs: Record<string, string>): Map<string, string> => new Map(Object.entries(pairs));

describe('etcd server', () => {
  it('etcd server - gRPC Range and a Watch stream with several watch ids, cancel and progress', async () => {
    const store = new ConfigStore({ historyRevisions: 2 });
    store.applyEntries(entries({ '/apisix/routes/a': '{"id":"a"}', '/apisix/upstreams/u': '{"id":"u"}' }));
    await using server = await startEtcdServer(store, { logger, port: 0 });
    const { kv, watch } = grpcClients(server.endpoint);
    try {
      const range = await new Promise<Obj>((resolve, reject) => {
        kv.Range(
          { key: Buffer.from('/apisix/'), range_end: Buffer.from('/apisix0') },
          (err, res) => {
            if (err) reject(err);
            else resolve(res);
          },
        );
      });
      expect((range['kvs'] as Obj[]).map((k) => (k['key'] as Buffer).toString())).toEqual(['/apisix/routes/a', '/apisix/upstreams/u']);
      expect(range['count']).toBe(2);
      expect((range['header'] as Obj)['revision']).toBe(2);

      const call = watch.Watch();
      const got: Obj[] = [];
      call.on('data', (m: Obj) => got.push(m));
      call.on('error', () => undefined);
      // Waits (bounded) until n responses arrived.
      const until = async (n: number): Promise<void> => {
        for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
        expect(got.length).toBeGreaterThanOrEqual(n);
      };
      call.write({ create_request: { key: Buffer.from('/apisix/routes/'), range_end: Buffer.from('/apisix/routes0') } });
      call.write({ create_request: { key: Buffer.from('/apisix/upstreams/'), range_end: Buffer.from('/apisix/upstreams0') } });
      await until(2);
      expect(got.map((m) => [m['watch_id'], m['created']])).toEqual([
        [0, true],
        [1, true],
      ]);
      store.applyEntries(entries({ '/apisix/routes/a': '{"id":"a","x":1}', '/apisix/upstreams/u': '{"id":"u","x":1}' }));
      await until(4);
      expect(got.slice(2).map((m) => [m['watch_id'], (m['events'] as Obj[]).length, (m['header'] as Obj)['revision']])).toEqual([
        [0, 1, 3],
        [1, 1, 3],
      ]);
      call.write({ cancel_request: { watch_id: 0 } });
      await until(5);
      expect(got[4]).toMatchObject({ watch_id: 0, canceled: true });
      store.applyEntries(entries({ '/apisix/routes/a': '{"id":"a","x":2}', '/apisix/upstreams/u': '{"id":"u","x":2}' }));
      call.write({ progress_request: {} });
      await until(7);
      expect(got[5]).toMatchObject({ watch_id: 1, header: { revision: 4 } });
      expect(got[6]).toMatchObject({ watch_id: -1, header: { revision: 4 } });
      // A start below the retained history: created, then a compaction cancel for that watch id.
      call.write({ create_request: { key: Buffer.from('/apisix/'), range_end: Buffer.from('/apisix0'), start_revision: 1 } });
      await until(9);
      expect(got[8]).toMatchObject({ watch_id: 2, canceled: true, compact_revision: store.compactRevision });
      call.end();
    } finally {
      kv.close();
      watch.close();
    }
  });

  it('etcd server - close() ends open watch streams; a client that stops reading is cut off', async () => {
    const store = new ConfigStore();
    store.applyEntries(entries({ '/apisix/routes/a': '{}' }));
    const server = await startEtcdServer(store, { logger, port: 0, maxWatchBacklogBytes: 1 << 20 });
    const open = (): Promise<IncomingMessage> =>
      new Promise((resolve, reject) => {
        const req = request(`${server.endpoint}/v3/watch`, { method: 'POST', agent: false }, resolve);
        req.on('error', reject);
        req.end(JSON.stringify({ create_request: { key: Buffer.from('/apisix/').toString('base64'), range_end: Buffer.from('/apisix0').toString('base64') } }));
      });
    const slow = await open();
    slow.pause();
    slow.socket.pause();
    const reader = await open();
    reader.on('data', () => undefined);
    const readerEnded = new Promise<void>((resolve) => reader.on('end', resolve));
    expect(server.watchStreams()).toBe(2);
    const big = 'x'.repeat(512 * 1024);
    for (let i = 0; i < 60 && server.watchStreams() === 2; i++) {
      store.applyEntries(entries({ '/apisix/routes/a': JSON.stringify({ big, i }) }));
      await new Promise((r) => setImmediate(r));
    }
    expect(server.watchStreams()).toBe(1);
    await server.close();
    await readerEnded;
    expect(server.watchStreams()).toBe(0);
    expect(store.stats().watchers).toBe(0);
    slow.destroy();
  });
});
