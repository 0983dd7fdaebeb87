// Mesh mTLS in the agent (docs/mesh-mtls.md): the SVID as APISIX ssl objects beside the snapshot's resources
// (weft-inbound: server, SNI = the SVID's mesh names, client certificates chained to the bundle; weft-outbound:
// client), the trust bundle file nginx verifies peers with, and early renewal when the snapshot shows mesh names the
// SVID lacks.
//
//   SnapshotApplier ──StoreUpdate──▶ MeshTlsTarget ──+ ssl objects──▶ ServingStores (etcd API / apisix.yaml)
//   SvidSource ──new SVID──▶ MeshTlsTarget.svidChanged ──ssl changes──▶ ServingStores;  TrustBundleFile
//   MeshNameDemand (in.<port> routes, meshed upstreams towards this pod) ──missing names──▶ MeshNameRenewal ──▶ SvidSource.renew
export { TrustBundleFile } from './bundle-file.js';
export { meshTlsConfig } from './config-entries.js';
export { dnsNamesOf, MeshTlsTarget } from './mesh-tls-target.js';
export { MeshNameDemand } from './name-demand.js';
export { MeshNameRenewal } from './renewal.js';
export { CLIENT_VERIFY_DEPTH, MeshSslError, meshSslObjects } from './ssl-objects.js';
export { startMeshTls } from './start-mesh-tls.js';
export type { MeshSvid, MeshTlsTargetOptions, MeshTlsView } from './mesh-tls-target.js';
export type { MeshNameRenewalOptions, RenewableSvid } from './renewal.js';
export type { MeshTlsMaterial } from './ssl-objects.js';
export type { MeshTls } from './start-mesh-tls.js';
