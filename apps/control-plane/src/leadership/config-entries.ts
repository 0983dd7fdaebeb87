import { entry, parsers } from '@weft/telemetry';

/** A Lease name: a DNS-1123 subdomain. */
function leaseName(text: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(text) || text.length > 253) {
    throw new Error(`"${text}" is not a valid Lease name (lowercase letters, digits, '-' and '.', at most 253)`);
  }
  return text;
}

/** Empty, or a namespace name (a DNS-1123 label). */
function optionalNamespace(text: string): string {
  if (text !== '' && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(text)) {
    throw new Error(`"${text}" is not a namespace name (lowercase letters, digits and '-', at most 63)`);
  }
  return text;
}

/**
 * Leader election among control-plane replicas (client-go's flags and defaults). Only the leader publishes and
 * writes route status; every replica watches, translates, and serves certificates and the webhook.
 */
export const leaderElectionConfig = {
  leaderElect: entry({
    flag: 'leader-elect',
    env: 'WEFT_LEADER_ELECT',
    default: 'true',
    description:
      'Elect a leader among replicas with a coordination.k8s.io Lease; only the leader publishes and writes route status. ' +
      'Applies to --source=kubernetes (the folder source always runs alone). Turn off only with a single replica.',
    parse: parsers.boolean,
  }),
  leaderElectResourceName: entry({
    flag: 'leader-elect-resource-name',
    env: 'WEFT_LEADER_ELECTION_NAME',
    default: 'weft-control-plane',
    description: 'Name of the Lease the replicas compete for.',
    parse: leaseName,
  }),
  leaderElectResourceNamespace: entry({
    flag: 'leader-elect-resource-namespace',
    env: 'WEFT_LEADER_ELECTION_NAMESPACE',
    default: '',
    description: 'Namespace of the Lease; empty: the pod\'s namespace (POD_NAMESPACE), else "weft-system".',
    parse: optionalNamespace,
  }),
  leaderElectIdentity: entry({
    flag: 'leader-elect-identity',
    env: 'WEFT_LEADER_ELECTION_IDENTITY',
    default: '',
    description: 'This replica\'s holder identity, unique per replica; empty: the pod name (POD_NAME), else hostname_<random>.',
    parse: parsers.string,
  }),
  leaderElectLeaseDuration: entry({
    flag: 'leader-elect-lease-duration',
    env: 'WEFT_LEADER_ELECTION_LEASE_DURATION',
    // 12 s rather than client-go's 15 s: a crashed leader is replaced within 15 s even when it dies right after renewing.
    default: '12s',
    description: 'How long followers wait after the last renewal they saw before taking over (whole seconds): a crashed leader is replaced about this long after its last renewal.',
    parse: parsers.duration,
  }),
  leaderElectRenewDeadline: entry({
    flag: 'leader-elect-renew-deadline',
    env: 'WEFT_LEADER_ELECTION_RENEW_DEADLINE',
    default: '8s',
    description: 'A leader that cannot renew for this long stops publishing and steps down; shorter than the lease duration.',
    parse: parsers.duration,
  }),
  leaderElectRetryPeriod: entry({
    flag: 'leader-elect-retry-period',
    env: 'WEFT_LEADER_ELECTION_RETRY_PERIOD',
    default: '2s',
    description: 'Between renewals, and between attempts to acquire (plus up to 120 % jitter).',
    parse: parsers.duration,
  }),
};
