import type { WorldState } from '@weft/model';
import type { WorkloadAccount } from '@weft/pki';
import { meshNamesFor } from '@weft/translate';

/**
 * The certificate service's `grantDnsNames` hook over the control plane's current world (undefined before the first
 * sync): the mesh names translate computes for the requesting pod (docs/mesh-mtls.md).
 */
export function meshNameGrants(world: () => WorldState | undefined): (account: WorkloadAccount) => readonly string[] {
  return (account) => meshNamesFor(world(), account);
}
