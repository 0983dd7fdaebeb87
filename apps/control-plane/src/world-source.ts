import { KubeConfig } from '@kubernetes/client-node';
import { FolderSource, KubeHttp, KubernetesSource, parseManifestFile, RouteStatusWriter } from '@weft/k8s';
import type { WorldSource } from '@weft/k8s';
import { WEFT_CONTROLLER_NAME } from '@weft/model';
import type { Logger } from '@weft/telemetry';
import type { ControlPlaneConfig } from './config.js';

export interface WorldInput {
  readonly source: WorldSource;
  /** Present for the Kubernetes source: route status goes back to the API server. */
  readonly statusWriter: RouteStatusWriter | undefined;
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
    statusWriter: new RouteStatusWriter(http, { log: log.child({ part: 'status' }), controllerName: WEFT_CONTROLLER_NAME }),
    describe: `kubernetes ${http.serverUrl}`,
  };
}
