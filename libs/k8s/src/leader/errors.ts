import { KubeApiError } from '../client/kube-http.js';

/** The elector's settings cannot give the guarantees of leader election (e.g. a renew deadline past the lease). */
export class LeaderElectionConfigError extends Error {
  override readonly name = 'LeaderElectionConfigError';
}

/** RBAC refuses a request on the Lease: the message names the verb, the resource and the fix. */
export class LeaseForbiddenError extends Error {
  override readonly name = 'LeaseForbiddenError';
  constructor(
    readonly verb: string,
    readonly namespace: string,
    readonly leaseName: string,
    options?: ErrorOptions,
  ) {
    super(
      `the API server forbids "${verb}" on leases.coordination.k8s.io "${leaseName}" in namespace "${namespace}"` +
        ` (${(options?.cause as Error | undefined)?.message ?? 'forbidden'}). Grant this identity the verbs get, create,` +
        ` update and watch on leases (apiGroups: ["coordination.k8s.io"], resources: ["leases"]) in namespace "${namespace}"` +
        ` with a Role and RoleBinding, or run a single replica with --leader-elect=false`,
      options,
    );
  }
}

/** The Lease's namespace does not exist, so the Lease cannot be created. */
export class LeaseNamespaceMissingError extends Error {
  override readonly name = 'LeaseNamespaceMissingError';
  constructor(
    readonly namespace: string,
    options?: ErrorOptions,
  ) {
    super(
      `cannot create the leader election Lease: namespace "${namespace}" does not exist. Create it, or point` +
        ` --leader-elect-resource-namespace (POD_NAMESPACE in a pod) at the control plane's namespace`,
      options,
    );
  }
}

/** Turns the API server's answer to a Lease request into the error an operator can act on. */
export function leaseRequestError(err: unknown, verb: string, namespace: string, name: string): unknown {
  if (!(err instanceof KubeApiError)) return err;
  if (err.status === 403) return new LeaseForbiddenError(verb, namespace, name, { cause: err });
  if (err.status === 404 && verb === 'create') return new LeaseNamespaceMissingError(namespace, { cause: err });
  return err;
}
