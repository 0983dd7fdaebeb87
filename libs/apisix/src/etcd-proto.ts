/**
 * The subset of etcd's API this store serves over gRPC, as a protobufjs JSON descriptor written for Weft.
 * Field numbers follow etcd's api/etcdserverpb/rpc.proto and api/mvccpb/kv.proto (etcd 3.6).
 */
const i64 = 'int64';

export const ETCD_PROTO_DESCRIPTOR = {
  nested: {
    mvccpb: {
      nested: {
        KeyValue: {
          fields: {
            key: { type: 'bytes', id: 1 },
            create_revision: { type: i64, id: 2 },
            mod_revision: { type: i64, id: 3 },
            version: { type: i64, id: 4 },
            value: { type: 'bytes', id: 5 },
            lease: { type: i64, id: 6 },
          },
        },
        Event: {
          fields: {
            type: { type: 'EventType', id: 1 },
            kv: { type: 'KeyValue', id: 2 },
            prev_kv: { type: 'KeyValue', id: 3 },
          },
          nested: { EventType: { values: { PUT: 0, DELETE: 1 } } },
        },
      },
    },
    etcdserverpb: {
      nested: {
        ResponseHeader: {
          fields: {
            cluster_id: { type: 'uint64', id: 1 },
            member_id: { type: 'uint64', id: 2 },
            revision: { type: i64, id: 3 },
            raft_term: { type: 'uint64', id: 4 },
          },
        },
        RangeRequest: {
          fields: {
            key: { type: 'bytes', id: 1 },
            range_end: { type: 'bytes', id: 2 },
            limit: { type: i64, id: 3 },
            revision: { type: i64, id: 4 },
            sort_order: { type: 'SortOrder', id: 5 },
            sort_target: { type: 'SortTarget', id: 6 },
            serializable: { type: 'bool', id: 7 },
            keys_only: { type: 'bool', id: 8 },
            count_only: { type: 'bool', id: 9 },
            min_mod_revision: { type: i64, id: 10 },
            max_mod_revision: { type: i64, id: 11 },
            min_create_revision: { type: i64, id: 12 },
            max_create_revision: { type: i64, id: 13 },
          },
          nested: {
            SortOrder: { values: { NONE: 0, ASCEND: 1, DESCEND: 2 } },
            SortTarget: { values: { KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 } },
          },
        },
        RangeResponse: {
          fields: {
            header: { type: 'ResponseHeader', id: 1 },
            kvs: { rule: 'repeated', type: 'mvccpb.KeyValue', id: 2 },
            more: { type: 'bool', id: 3 },
            count: { type: i64, id: 4 },
          },
        },
        PutRequest: {
          fields: {
            key: { type: 'bytes', id: 1 },
            value: { type: 'bytes', id: 2 },
            lease: { type: i64, id: 3 },
            prev_kv: { type: 'bool', id: 4 },
            ignore_value: { type: 'bool', id: 5 },
            ignore_lease: { type: 'bool', id: 6 },
          },
        },
        PutResponse: {
          fields: { header: { type: 'ResponseHeader', id: 1 }, prev_kv: { type: 'mvccpb.KeyValue', id: 2 } },
        },
        DeleteRangeRequest: {
          fields: { key: { type: 'bytes', id: 1 }, range_end: { type: 'bytes', id: 2 }, prev_kv: { type: 'bool', id: 3 } },
        },
        DeleteRangeResponse: {
          fields: {
            header: { type: 'ResponseHeader', id: 1 },
            deleted: { type: i64, id: 2 },
            prev_kvs: { rule: 'repeated', type: 'mvccpb.KeyValue', id: 3 },
          },
        },
        WatchRequest: {
          oneofs: { request_union: { oneof: ['create_request', 'cancel_request', 'progress_request'] } },
          fields: {
            create_request: { type: 'WatchCreateRequest', id: 1 },
            cancel_request: { type: 'WatchCancelRequest', id: 2 },
            progress_request: { type: 'WatchProgressRequest', id: 3 },
          },
        },
        WatchCreateRequest: {
          fields: {
            key: { type: 'bytes', id: 1 },
            range_end: { type: 'bytes', id: 2 },
            start_revision: { type: i64, id: 3 },
            progress_notify: { type: 'bool', id: 4 },
            filters: { rule: 'repeated', type: 'FilterType', id: 5 },
            prev_kv: { type: 'bool', id: 6 },
            watch_id: { type: i64, id: 7 },
            fragment: { type: 'bool', id: 8 },
          },
          nested: { FilterType: { values: { NOPUT: 0, NODELETE: 1 } } },
        },
        WatchCancelRequest: { fields: { watch_id: { type: i64, id: 1 } } },
        WatchProgressRequest: { fields: {} },
        WatchResponse: {
          fields: {
            header: { type: 'ResponseHeader', id: 1 },
            watch_id: { type: i64, id: 2 },
            created: { type: 'bool', id: 3 },
            canceled: { type: 'bool', id: 4 },
            compact_revision: { type: i64, id: 5 },
            cancel_reason: { type: 'string', id: 6 },
            fragment: { type: 'bool', id: 7 },
            events: { rule: 'repeated', type: 'mvccpb.Event', id: 11 },
          },
        },
        KV: {
          methods: {
            Range: { requestType: 'RangeRequest', responseType: 'RangeResponse' },
            Put: { requestType: 'PutRequest', responseType: 'PutResponse' },
            DeleteRange: { requestType: 'DeleteRangeRequest', responseType: 'DeleteRangeResponse' },
          },
        },
        Watch: {
          methods: {
            Watch: { requestType: 'WatchRequest', requestStream: true, responseType: 'WatchResponse', responseStream: true },
          },
        },
      },
    },
  },
};
