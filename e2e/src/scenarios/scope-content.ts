import type { Bus, ScopeMeta } from '@weft/bus';
import { applyDelta, contentHash } from '@weft/snapshot';
import type { ResourceDelta, SnapshotContent } from '@weft/snapshot';

/**
 * The latest published content of a scope, as an agent ends up holding it: the stored checkpoint with every delta
 * after it applied, checked against the published hash. Undefined before the first version. (The bus stores the full
 * state only at checkpoints; `bus.readFullState` alone may be older than the latest version.)
 */
export async function latestScopeContent(bus: Bus, scope: string): Promise<{ readonly meta: ScopeMeta; readonly document: SnapshotContent } | undefined> {
  const stored = await bus.readScope(scope);
  if (stored === undefined) return undefined;
  let document = stored.full.document as SnapshotContent;
  let meta: ScopeMeta = stored.full.meta;
  for (const delta of stored.deltas) {
    document = applyDelta(document, delta.document as ResourceDelta);
    meta = delta.meta;
  }
  const hash = contentHash(document.resources, document.trustBundle);
  if (hash !== meta.hash) throw new Error(`scope ${scope} at version ${meta.version}: content hashes to ${hash}, published ${meta.hash}`);
  return { meta, document };
}
