export { ConfigStore } from './config-store.js';
export { startEtcdServer } from './etcd-server.js';
export { writeApisixYaml, renderApisixYaml } from './apisix-yaml.js';
export {
  APISIX_ETCD_DIRECTORIES,
  DEFAULT_PREFIX,
  DIR_PLACEHOLDER_VALUE,
  keyInRange,
  prefixRangeEnd,
  resourcesToEntries,
} from './key-layout.js';
export { FutureRevisionError, InvalidEtcdRequestError, InvalidResourceError, RevisionCompactedError } from './errors.js';
export type {
  ApplyOptions,
  ApplyResult,
  ConfigStoreOptions,
  EtcdIdentity,
  EtcdServer,
  EtcdServerOptions,
  KeyRange,
  KeyValue,
  RangeQuery,
  RangeResult,
  SortOrder,
  SortTarget,
  StoreEvent,
  StoreStats,
  StoreWatch,
  WatchMessage,
  WatchQuery,
  WriteApisixYamlOptions,
  WriteApisixYamlResult,
} from './contract.js';
