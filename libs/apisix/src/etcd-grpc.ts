/**
 * The store over etcd's gRPC API (KV.Range, Watch.Watch), so operators can read it with `etcdctl get/watch`.
 * Writes are refused with PERMISSION_DENIED, like the HTTP gateway.
 */
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from '@weft/telemetry';
import type { ConfigStore } from './config-store.js';
import type { EtcdIdentity, KeyValue, StoreEvent, StoreWatch, WatchMessage } from './contract.js';
import { FutureRevisionError, InvalidEtcdRequestError, RevisionCompactedError } from './errors.js';
import { ETCD_PROTO_DESCRIPTOR } from './etcd-proto.js';
import { decodeRangeRequest, decodeWatchCreateRequest } from './etcd-requests.js';

type GrpcObject = Record<string, unknown>;

interface EtcdServiceDefinitions {
  readonly kv: grpc.ServiceDefinition;
  readonly watch: grpc.ServiceDefinition;
}

let definitions: EtcdServiceDefinitions | undefined;

function loadDefinitions(): EtcdServiceDefinitions {
  if (definitions) return definitions;
  const pkg = protoLoader.fromJSON(ETCD_PROTO_DESCRIPTOR as unknown as Parameters<typeof protoLoader.fromJSON>[0], { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const kv = pkg['etcdserverpb.KV'];
  const watch = pkg['etcdserverpb.Watch'];
  if (kv === undefined || watch === undefined || 'format' in kv || 'format' in watch) throw new Error('etcd proto descriptor lacks its services');
  definitions = { kv: kv, watch: watch };
  return definitions;
}

export interface EtcdGrpcDeps {
  readonly store: ConfigStore;
  readonly identity: EtcdIdentity;
  readonly logger: Logger;
  /** Registers an open watch stream; the returned function unregisters it. */
  readonly trackWatch: (end: () => void) => () => void;
}

/** A gRPC server for the etcd services, fed connections the caller accepted (see etcd-server.ts). */
export interface EtcdGrpcEndpoint {
  injectConnection(connection: Duplex): void;
  close(): void;
}

/** Creates the gRPC side of the etcd API. Loaded on demand: only operators' etcdctl speaks it, APISIX never. */
export function createEtcdGrpcEndpoint(deps: EtcdGrpcDeps): EtcdGrpcEndpoint {
  const server = new grpc.Server();
  addEtcdServices(server, deps);
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  return {
    injectConnection: (connection) => {
      injector.injectConnection(connection);
    },
    close: () => {
      injector.destroy();
      server.forceShutdown();
    },
  };
}

/** Adds the KV and Watch services to a grpc-js server. */
export function addEtcdServices(server: grpc.Server, deps: EtcdGrpcDeps): void {
  const defs = loadDefinitions();
  const denied = (_call: unknown, callback: grpc.sendUnaryData<GrpcObject>): void => {
    callback({ code: grpc.status.PERMISSION_DENIED, details: 'etcdserver: permission denied' });
  };
  server.addService(defs.kv, {
    Range: (call: grpc.ServerUnaryCall<GrpcObject, GrpcObject>, callback: grpc.sendUnaryData<GrpcObject>) => {
      try {
        const result = deps.store.range(decodeRangeRequest(call.request));
        callback(null, { header: header(deps.identity, result.revision), kvs: result.kvs.map(kvObject), more: result.more, count: result.count });
      } catch (err) {
        if (err instanceof RevisionCompactedError) callback({ code: grpc.status.OUT_OF_RANGE, details: 'etcdserver: mvcc: required revision has been compacted' });
        else if (err instanceof FutureRevisionError) callback({ code: grpc.status.OUT_OF_RANGE, details: 'etcdserver: mvcc: required revision is a future revision' });
        else if (err instanceof InvalidEtcdRequestError) callback({ code: grpc.status.INVALID_ARGUMENT, details: err.message });
        else callback({ code: grpc.status.INTERNAL, details: 'etcdserver: internal error' });
      }
    },
    Put: denied,
    DeleteRange: denied,
  });
  server.addService(defs.watch, { Watch: (call: grpc.ServerDuplexStream<GrpcObject, GrpcObject>) => { serveWatchStream(deps, call); } });
}

function serveWatchStream(deps: EtcdGrpcDeps, call: grpc.ServerDuplexStream<GrpcObject, GrpcObject>): void {
  const watches = new Map<number, StoreWatch>();
  let nextId = 0;
  let closed = false;
  const write = (message: GrpcObject): void => {
    if (!closed) call.write(message);
  };
  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const watch of watches.values()) watch.cancel();
    watches.clear();
    untrack();
  };
  const untrack = deps.trackWatch(() => {
    close();
    call.end();
  });
  call.on('data', (request: GrpcObject) => {
    const create = request['create_request'] as GrpcObject | undefined;
    const cancel = request['cancel_request'] as GrpcObject | undefined;
    if (create) {
      const id = nextId++;
      try {
        const query = decodeWatchCreateRequest(create);
        const watch = deps.store.watch(query, (message) => {
          write(watchResponse(deps.identity, id, message));
          if (message.kind === 'compacted') watches.delete(id);
        });
        if (!closed) watches.set(id, watch);
      } catch (err) {
        deps.logger.warn({ err }, 'invalid gRPC watch create request');
        write({ header: header(deps.identity, deps.store.revision), watch_id: id, created: true, canceled: true, cancel_reason: (err as Error).message });
      }
    } else if (cancel) {
      const id = Number(cancel['watch_id'] ?? 0);
      watches.get(id)?.cancel();
      watches.delete(id);
      write({ header: header(deps.identity, deps.store.revision), watch_id: id, canceled: true });
    } else {
      // Progress request: everything up to the current revision has been sent.
      write({ header: header(deps.identity, deps.store.revision), watch_id: -1 });
    }
  });
  call.on('end', () => {
    close();
    call.end();
  });
  call.on('cancelled', close);
  call.on('error', close);
}

function watchResponse(identity: EtcdIdentity, watchId: number, message: WatchMessage): GrpcObject {
  switch (message.kind) {
    case 'created':
      return { header: header(identity, message.revision), watch_id: watchId, created: true };
    case 'events':
      return { header: header(identity, message.revision), watch_id: watchId, events: message.events.map(eventObject) };
    case 'compacted':
      return { header: header(identity, 0), watch_id: watchId, canceled: true, compact_revision: message.compactRevision };
  }
}

function header(identity: EtcdIdentity, revision: number): GrpcObject {
  return { cluster_id: identity.clusterId, member_id: identity.memberId, revision, raft_term: identity.raftTerm };
}

function kvObject(kv: KeyValue): GrpcObject {
  return {
    key: Buffer.from(kv.key, 'latin1'),
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    value: kv.value,
  };
}

function eventObject(event: StoreEvent): GrpcObject {
  const out: GrpcObject = { type: event.type, kv: kvObject(event.kv) };
  if (event.prevKv) out['prev_kv'] = kvObject(event.prevKv);
  return out;
}
