/** Builders and fast-check arbitraries for tests of any lib that handles snapshots. */
export {
  arbApisixId,
  arbApisixResources,
  arbContentPair,
  arbGlobalRule,
  arbHostName,
  arbNode,
  arbPluginConfig,
  arbRoute,
  arbSnapshotContent,
  arbSsl,
  arbStreamRoute,
  arbTrustBundle,
  arbUpstream,
} from './arbitraries.js';
export {
  mkClientSsl,
  mkGlobalRule,
  mkLargeResources,
  mkPluginConfig,
  mkResources,
  mkRoute,
  mkSsl,
  mkStreamRoute,
  mkUpstream,
  testCertificatePem,
  testPrivateKeyPem,
} from './builders.js';

export type { GeneratedContent, ReferenceIds, ResourcesOptions } from './arbitraries.js';
