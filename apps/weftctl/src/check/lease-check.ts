import { readLease } from '@weft/k8s';
import type { KubeHttp } from '@weft/k8s';
import { fail, ok, reason } from './check-result.js';
import type { CheckResult } from './check-result.js';

/** Clock difference between this machine and the API server's clients that is not yet a stale lease. */
const SKEW_MS = 5_000;

/**
 * The control plane's leader Lease: held, and renewed within its duration (read on this machine's clock, with a few
 * seconds of allowance). A Lease nobody renews means no replica is publishing or writing status.
 */
export async function checkLease(http: KubeHttp, namespace: string, name: string, now: Date): Promise<CheckResult> {
  const check = `leader lease ${namespace}/${name}`;
  let lease;
  try {
    lease = await readLease(http, namespace, name);
  } catch (err) {
    return fail(check, `could not be read: ${reason(err)}`, 'check the kubeconfig and that you may get leases in the control plane’s namespace');
  }
  if (lease === undefined) {
    return fail(check, 'not found: no control plane replica has led yet', 'check the control plane pods (kubectl -n <namespace> get pods); with leader election off (--leader-elect=false) pass --lease-name ""');
  }
  const holder = lease.spec?.holderIdentity ?? '';
  if (holder === '') return fail(check, 'held by nobody (released, and not taken again)', 'check that a control plane replica runs and is ready');
  const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '');
  const durationS = lease.spec?.leaseDurationSeconds ?? 0;
  if (Number.isNaN(renewed)) return fail(check, `held by ${holder}, but never renewed`, 'check the leader’s logs');
  const ageMs = now.getTime() - renewed;
  const age = `${(Math.max(0, ageMs) / 1000).toFixed(1)}s`;
  if (ageMs > durationS * 1000 + SKEW_MS) {
    return fail(check, `held by ${holder}, but not renewed for ${age} (lease duration ${durationS}s): no replica is leading`, `is ${holder} still running? another replica takes over once the lease expires; check their logs`);
  }
  return ok(check, `held by ${holder}, renewed ${age} ago (duration ${durationS}s, ${lease.spec?.leaseTransitions ?? 0} transitions)`);
}
