import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { SnapshotMeta } from '@weft/model';
import type { ContentState } from '@weft/snapshot';
import type { Logger } from '@weft/telemetry';
import type { ApplyTarget } from '../applier.js';
import type { SvidSource } from '../identity/svid-source.js';
import { TrustBundleFile } from './bundle-file.js';
import { MeshTlsTarget } from './mesh-tls-target.js';
import { MeshNameDemand } from './name-demand.js';
import { MeshNameRenewal } from './renewal.js';

/** The mesh-TLS side of a running agent. */
export interface MeshTls {
  /** What the applier applies to: the stores plus the agent's ssl objects. */
  readonly target: MeshTlsTarget;
  /** Follows an SVID source: every new SVID into the stores, early renewals when names are missing. */
  follow(svids: SvidSource): void;
  /** The mesh names the current snapshot demands of this pod's SVID (for CSRs, with --csr-mesh-names). */
  meshNames(): string[];
  close(): void;
}

export interface StartMeshTlsOptions {
  readonly stores: ApplyTarget;
  readonly store: 'etcd' | 'yaml' | 'both';
  readonly stateDir: string;
  /** Empty: `<stateDir>/trust-bundle.pem`. */
  readonly trustBundleFile: string;
  /** Comma-separated, as POD_IPS. */
  readonly podIps: string;
  /** Append the public CA roots to the trust bundle file (see TrustBundleFile); the agent's flag defaults to true. */
  readonly upstreamPublicRoots?: boolean;
  readonly restored?: { readonly meta: SnapshotMeta; readonly state: ContentState };
  readonly log: Logger;
}

/** Wires MeshTlsTarget in front of the stores (see mesh-tls/index.ts). */
export function startMeshTls(options: StartMeshTlsOptions): MeshTls {
  const log = options.log.child({ part: 'mesh-tls' });
  const podIps = options.podIps.split(',').map((ip) => ip.trim()).filter((ip) => ip !== '');
  const demand = new MeshNameDemand(podIps);
  const target = new MeshTlsTarget({
    inner: options.stores,
    keepWholeState: options.store !== 'etcd',
    bundleFile: new TrustBundleFile(
      options.trustBundleFile === '' ? join(options.stateDir, 'trust-bundle.pem') : options.trustBundleFile,
      options.upstreamPublicRoots === true ? rootCertificates.join('\n') : '',
    ),
    demand,
    log,
  });
  if (options.restored !== undefined) target.restored(options.restored.meta, options.restored.state);
  let unsubscribe: (() => void) | undefined;
  let renewal: MeshNameRenewal | undefined;
  return {
    target,
    meshNames: () => demand.names(),
    follow(svids) {
      renewal = new MeshNameRenewal({
        svids,
        onRenew: (missing, attempt) => {
          log.info({ missing, attempt }, 'the SVID lacks mesh names the snapshot shows; asking for a new certificate now');
        },
      });
      target.renewal = renewal;
      const take = (svid: Parameters<MeshTlsTarget['svidChanged']>[0]): void => {
        void target.svidChanged(svid);
      };
      unsubscribe = svids.onSvid(take);
      if (svids.current !== undefined) take(svids.current);
    },
    close() {
      unsubscribe?.();
      renewal?.stop();
    },
  };
}
