import type { PodView } from '@weft/model';
import { agentIdOf } from '../assignment.js';
import type { IdentityGrant } from './permissions.js';

/** The key of a workload identity in a grant index: `<namespace>/<service account>`. */
export function identityKey(namespace: string, serviceAccount: string): string {
  return `${namespace}/${serviceAccount}`;
}

/**
 * Who may read what, from the world and the translation: every pod is an agent of its ServiceAccount's identity
 * (pods of one ServiceAccount share an SVID, so they share a grant), and the scope assigned to each pod
 * (`workloads`, `namespace/pod` → scope) is readable by that identity. Pods without a scope yet still get their
 * agent subjects, so a new pod can wait for its assignment.
 */
export function identityGrants(pods: ReadonlyMap<string, PodView>, workloads: Readonly<Record<string, string>>): Map<string, IdentityGrant> {
  const building = new Map<string, { agents: Set<string>; scopes: Set<string> }>();
  for (const pod of pods.values()) {
    const { namespace, name } = pod.metadata;
    let agent: string;
    try {
      agent = agentIdOf(namespace, name);
    } catch {
      continue; // a pod name that is no subject token has no agent either
    }
    const key = identityKey(namespace, pod.serviceAccountName === '' ? 'default' : pod.serviceAccountName);
    let entry = building.get(key);
    if (entry === undefined) {
      entry = { agents: new Set(), scopes: new Set() };
      building.set(key, entry);
    }
    entry.agents.add(agent);
    const scope = workloads[`${namespace}/${name}`];
    if (scope !== undefined) entry.scopes.add(scope);
  }
  const grants = new Map<string, IdentityGrant>();
  for (const [key, entry] of building) grants.set(key, { agents: [...entry.agents].sort(), scopes: [...entry.scopes].sort() });
  return grants;
}
