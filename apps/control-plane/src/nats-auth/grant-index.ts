import { identityGrants } from '@weft/bus';
import type { IdentityGrant } from '@weft/bus';
import type { MeshConfig, WorldState } from '@weft/model';

/** Where the grants come from: the last translated world and mesh (every replica translates every change). */
export interface GrantSource {
  readonly world: WorldState | undefined;
  readonly mesh: MeshConfig | undefined;
}

const NONE: ReadonlyMap<string, IdentityGrant> = new Map();

/**
 * The identity → grant index of the last translation, rebuilt only when a new translation replaced it (the auth
 * callout reads it for every connection; a rebuild walks every pod once).
 */
export function grantIndexOf(source: GrantSource): () => ReadonlyMap<string, IdentityGrant> {
  let built: { world: WorldState; mesh: MeshConfig; grants: ReadonlyMap<string, IdentityGrant> } | undefined;
  return () => {
    const { world, mesh } = source;
    if (world === undefined || mesh === undefined) return NONE;
    if (built?.world !== world || built.mesh !== mesh) built = { world, mesh, grants: identityGrants(world.pods, mesh.workloads) };
    return built.grants;
  };
}
