import { KubeConfig } from '@kubernetes/client-node';
import { FolderSource, KubeHttp, KubernetesSource, parseManifests, RouteStatusWriter } from '@weft/k8s';
import type { KubeObject, ManifestParser, WorldSource } from '@weft/k8s';
import { WEFT_CONTROLLER_NAME } from '@weft/model';
import type { Logger } from '@weft/telemetry';
import type { ControlPlaneConfig } from './config.js';

/** Reads a manifest file through the same parser `weftctl render` uses. */
export const parseManifestFile: ManifestParser = (text, file) => {
  const parsed = parseManifests(text, file);
  return {
    objects: parsed.objects as KubeObject[],
    problems: parsed.diagnostics.map((d) => `${d.object}: ${d.message}`),
  };
};

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
