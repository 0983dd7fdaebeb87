import type { KubeObject } from '../client/kube-object.js';

/** `spec` of a coordination.k8s.io/v1 Lease: the fields leader election reads and writes. */
export interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  /** MicroTime: RFC 3339 with six fractional digits. */
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  readonly spec?: LeaseSpec;
}

export const LEASE_API_VERSION = 'coordination.k8s.io/v1';

export function leaseCollectionPath(namespace: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
}

export function leasePath(namespace: string, name: string): string {
  return `${leaseCollectionPath(namespace)}/${encodeURIComponent(name)}`;
}

/** Kubernetes MicroTime (`2026-11-23T10:00:00.123000Z`); JavaScript dates carry milliseconds, so the last three digits are 0. */
export function formatMicroTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * The identity of one state of the lease record: any change of holder, duration, times or transitions gives a new
 * key. An elector restarts its local expiry clock whenever the key changes, so it never compares remote times.
 */
export function recordKey(spec: LeaseSpec | undefined): string {
  return JSON.stringify([
    spec?.holderIdentity ?? '',
    spec?.leaseDurationSeconds ?? 0,
    spec?.acquireTime ?? '',
    spec?.renewTime ?? '',
    spec?.leaseTransitions ?? 0,
  ]);
}

/** The holder named in a lease, or undefined when nobody holds it (no lease, or a released one). */
export function holderOf(lease: Lease | undefined): string | undefined {
  const holder = lease?.spec?.holderIdentity ?? '';
  return holder === '' ? undefined : holder;
}
