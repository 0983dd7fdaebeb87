import type { KubeObject } from '../client/kube-object.js';
import type { ResourceType } from '../informers/resource-types.js';

/** cert-manager's CertificateRequest (cert-manager.io/v1): a CSR a cert-manager issuer approves and signs. */
export const CERTIFICATE_REQUEST: ResourceType = {
  kind: 'CertificateRequest',
  apiVersion: 'cert-manager.io/v1',
  plural: 'certificaterequests',
  namespaced: true,
  optional: false,
};

/** The issuer that signs: an Issuer in the request's namespace or a ClusterIssuer (or an external issuer's kind). */
export interface IssuerRef {
  readonly name: string;
  readonly kind: string;
  readonly group: string;
}

/** cert-manager's key usage names (spec.usages). */
export type KeyUsage = 'digital signature' | 'key encipherment' | 'client auth' | 'server auth';

export interface NewCertificateRequest {
  readonly name: string;
  readonly csrPem: string;
  readonly durationSeconds: number;
  readonly usages: readonly KeyUsage[];
  readonly issuerRef: IssuerRef;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The object whose deletion deletes the requests too (Kubernetes' garbage collector), e.g. the bridge's Pod. */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

/** Where a CertificateRequest stands. `issued`, `denied` and `failed` are final: cert-manager never changes them. */
export type CertificateRequestOutcome =
  | { readonly state: 'pending'; readonly reason: string; readonly message: string }
  | { readonly state: 'issued'; readonly certificatePem: string; readonly caPem: string }
  | { readonly state: 'denied'; readonly reason: string; readonly message: string }
  | { readonly state: 'failed'; readonly reason: string; readonly message: string };

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

interface CertificateRequestStatus {
  readonly conditions?: readonly Condition[];
  /** base64 of the PEM chain, leaf first. */
  readonly certificate?: string;
  /** base64 of the issuer's CA PEM, when the issuer knows it. */
  readonly ca?: string;
}

/** The object to POST. */
export function certificateRequestObject(request: NewCertificateRequest, namespace: string, owner?: OwnerReference): KubeObject {
  return {
    apiVersion: CERTIFICATE_REQUEST.apiVersion,
    kind: CERTIFICATE_REQUEST.kind,
    metadata: {
      name: request.name,
      namespace,
      ...(request.labels === undefined ? {} : { labels: request.labels }),
      ...(request.annotations === undefined ? {} : { annotations: request.annotations }),
      // No blockOwnerDeletion: setting it would need delete permission on the owner.
      ...(owner === undefined ? {} : { ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid }] }),
    },
    spec: {
      request: Buffer.from(request.csrPem).toString('base64'),
      duration: `${request.durationSeconds}s`,
      usages: request.usages,
      issuerRef: { name: request.issuerRef.name, kind: request.issuerRef.kind, group: request.issuerRef.group },
    },
  };
}

function decoded(base64: string | undefined): string {
  return base64 === undefined || base64 === '' ? '' : Buffer.from(base64, 'base64').toString('utf8');
}

/**
 * Reads the request's conditions the way cert-manager writes them: `Denied=True` (an approver refused it),
 * `InvalidRequest=True` or `Ready=False/Failed` (the issuer failed it), `Ready=True` with `status.certificate`
 * (issued); anything else is still pending (not yet approved, issuer not ready, signing).
 */
export function outcomeOf(object: KubeObject): CertificateRequestOutcome {
  const status = (object as { status?: CertificateRequestStatus }).status ?? {};
  const conditions = status.conditions ?? [];
  const find = (type: string): Condition | undefined => conditions.find((c) => c.type === type && c.status === 'True');
  const denied = find('Denied');
  if (denied !== undefined) return { state: 'denied', reason: denied.reason ?? 'Denied', message: denied.message ?? '' };
  const invalid = find('InvalidRequest');
  if (invalid !== undefined) return { state: 'failed', reason: invalid.reason ?? 'InvalidRequest', message: invalid.message ?? '' };
  const ready = conditions.find((c) => c.type === 'Ready');
  const certificatePem = decoded(status.certificate);
  if (ready?.status === 'True' && certificatePem !== '') return { state: 'issued', certificatePem, caPem: decoded(status.ca) };
  if (ready?.status === 'False' && (ready.reason === 'Failed' || ready.reason === 'Denied')) {
    return { state: ready.reason === 'Denied' ? 'denied' : 'failed', reason: ready.reason, message: ready.message ?? '' };
  }
  return { state: 'pending', reason: ready?.reason ?? 'Pending', message: ready?.message ?? 'waiting for cert-manager to approve and sign' };
}

/** True once cert-manager will not change the request any more. */
export function isFinished(object: KubeObject): boolean {
  return outcomeOf(object).state !== 'pending';
}
