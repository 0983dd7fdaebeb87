import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';
import type { KubeObject } from '../client/kube-object.js';

/** The namespace does not exist (an admission request for it can only be a race with its deletion). */
export class NamespaceNotFoundError extends Error {
  override readonly name = 'NamespaceNotFoundError';
}

/** The labels of one namespace, read from the API server (`get namespaces`). */
export async function readNamespaceLabels(http: KubeHttp, namespace: string): Promise<Readonly<Record<string, string>>> {
  try {
    const ns = await http.json<KubeObject>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
    return ns.metadata?.labels ?? {};
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) throw new NamespaceNotFoundError(`namespace "${namespace}" does not exist`, { cause: err });
    throw err;
  }
}
