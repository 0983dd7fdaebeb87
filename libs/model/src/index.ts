export { APISIX_KINDS, APISIX_ID_PATTERN, emptyApisixResources, isApisixKind } from './apisix.js';
export { SNAPSHOT_SCHEMA } from './snapshot.js';
export type {
  ApisixExpr,
  ApisixGlobalRule,
  ApisixKind,
  ApisixNode,
  ApisixPluginConfig,
  ApisixPlugins,
  ApisixResource,
  ApisixResourceByKind,
  ApisixResources,
  ApisixRoute,
  ApisixScheme,
  ApisixSsl,
  ApisixStreamRoute,
  ApisixTimeout,
  ApisixUpstream,
  HttpMethod,
} from './apisix.js';
export type { Snapshot, SnapshotMeta } from './snapshot.js';
