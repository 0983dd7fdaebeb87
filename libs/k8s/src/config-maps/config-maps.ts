import type { Logger } from '@weft/telemetry';
import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';
import { Informer } from '../informers/informer.js';
import type { ResourceType } from '../informers/resource-types.js';

const CONFIG_MAP: ResourceType = { kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', namespaced: true, optional: false };

const configMapPath = (namespace: string, name?: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

export interface ConfigMapWrite {
  readonly namespace: string;
  readonly name: string;
  readonly data: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Makes the ConfigMap hold `data` (its other keys stay): a merge patch, or a create when it does not exist (a 409 from
 * a concurrent creator is answered with the patch). Only get/update/patch on that name and create are needed.
 */
export async function writeConfigMapData(http: KubeHttp, write: ConfigMapWrite): Promise<void> {
  const patch = { metadata: { ...(write.labels === undefined ? {} : { labels: write.labels }) }, data: write.data };
  const patchIt = (): Promise<unknown> => http.json('PATCH', configMapPath(write.namespace, write.name), patch, 'application/merge-patch+json');
  try {
    await patchIt();
    return;
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 404)) throw err;
  }
  try {
    await http.json('POST', configMapPath(write.namespace), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: write.name, namespace: write.namespace, ...(write.labels === undefined ? {} : { labels: write.labels }) },
      data: write.data,
    });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    await patchIt();
  }
}

export interface ConfigMapWatchOptions {
  readonly http: KubeHttp;
  readonly namespace: string;
  readonly name: string;
  /** The ConfigMap's data on every change; undefined once it is deleted (or before it exists, after the first list). */
  readonly onData: (data: Readonly<Record<string, string>> | undefined) => void;
  readonly log: Logger;
}

/**
 * Watches one ConfigMap by name (a list/watch with `fieldSelector=metadata.name=<name>`, which RBAC can grant by
 * resourceNames), re-listing and re-watching as every informer does.
 */
export class ConfigMapWatch {
  readonly #informer: Informer;

  constructor(options: ConfigMapWatchOptions) {
    this.#informer = new Informer(
      options.http,
      CONFIG_MAP,
      () => {
        options.onData(this.#currentData());
      },
      { log: options.log, namespace: options.namespace, fieldSelector: `metadata.name=${options.name}` },
    );
  }

  get synced(): boolean {
    return this.#informer.synced;
  }

  start(): void {
    this.#informer.start();
  }

  async stop(): Promise<void> {
    await this.#informer.stop();
  }

  /** The data of the one ConfigMap the watch sees (string values only; binaryData is not read), or undefined. */
  #currentData(): Readonly<Record<string, string>> | undefined {
    for (const object of this.#informer.objects()) {
      const data = object['data'];
      if (typeof data !== 'object' || data === null) return {};
      return Object.fromEntries(Object.entries(data).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    }
    return undefined;
  }
}
