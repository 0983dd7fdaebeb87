import { KubeConfig } from '@kubernetes/client-node';
import { FolderSource, KubeHttp, KubernetesSource, parseManifestFile } from '@weft/k8s';
import type { WorldSource } from '@weft/k8s';
import type { Logger } from '@weft/telemetry';
import type { ControlPlaneConfig } from './config.js';
import { MeshStatusWriter } from './mesh-status-writer.js';

export interface WorldInput {
  readonly source: WorldSource;
  /** Present for the Kubernetes source: route and MeshAuthorization status go back to the API server. */
  readonly statusWriter: MeshStatusWriter | undefined;
  /** The API client of the Kubernetes source (leader election uses it too); undefined for the folder source. */
  readonly http: KubeHttp | undefined;
  readonly describe: string;
}

export class SourceConfigError extends Error {
  override readonly name = 'SourceConfigError';
}

/** The configured world source: the Kubernetes API, or a folder of manifests (the embedded default of the demo). */
export function createWorldInput(config: ControlPlaneConfig, log: Logger): WorldInput {
  const options = { log, quietMs: config.debounce, maxDelayMs: config.debounceMax };
  if (config.source === 'folder') {
    if (config.manifests === '') throw new SourceConfigError('--source=folder needs --manifests DIR (or WEFT_MANIFESTS)');
    return {
      source: new FolderSource(config.manifests, { ...options, parse: parseManifestFile }),
      statusWriter: undefined,
      http: undefined,
      describe: `folder ${config.manifests}`,
    };
  }
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig === '') kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(config.kubeconfig);
  const http = new KubeHttp(kubeConfig);
  return {
    source: new KubernetesSource(http, {
      ...options,
      ...(config.namespaceSelector === '' ? {} : { namespaceSelector: config.namespaceSelector }),
    }),
    statusWriter: new MeshStatusWriter(http, log.child({ part: 'status' })),
    http,
    describe: `kubernetes ${http.serverUrl}`,
  };
}
