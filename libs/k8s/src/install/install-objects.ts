// Reads of the objects an install consists of, for `weftctl check`: each answers undefined for an absent object and
// leaves judging it to the caller.
import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';
import type { KubeObject } from '../client/kube-object.js';
import { leasePath } from '../leader/lease-record.js';
import type { Lease } from '../leader/lease-record.js';

export interface CrdCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

/** The parts of an apiextensions.k8s.io/v1 CustomResourceDefinition a check reads. */
export interface CustomResourceDefinition extends KubeObject {
  readonly spec?: { readonly group?: string; readonly names?: { readonly kind?: string }; readonly versions?: readonly { readonly name: string; readonly served?: boolean; readonly storage?: boolean }[] };
  readonly status?: { readonly conditions?: readonly CrdCondition[]; readonly acceptedNames?: { readonly kind?: string } };
}

async function getOrUndefined<T>(http: KubeHttp, path: string): Promise<T | undefined> {
  try {
    return await http.json<T>('GET', path);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** The CRD named `<plural>.<group>` (e.g. `meshauthorizations.mesh.weft.dev`), or undefined. */
export function readCustomResourceDefinition(http: KubeHttp, name: string): Promise<CustomResourceDefinition | undefined> {
  return getOrUndefined(http, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`);
}

/** The coordination.k8s.io Lease, or undefined. */
export function readLease(http: KubeHttp, namespace: string, name: string): Promise<Lease | undefined> {
  return getOrUndefined(http, leasePath(namespace, name));
}

/**
 * Creates a Pod with `dryRun=All`: the API server runs admission, mutating webhooks included, and stores nothing.
 * Returns the Pod as it would have been stored; a refusal (a webhook that cannot be called, or that says no) throws
 * KubeApiError with the API server's message.
 */
export function dryRunCreatePod(http: KubeHttp, namespace: string, pod: KubeObject): Promise<KubeObject> {
  return http.json<KubeObject>('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?dryRun=All`, pod);
}
