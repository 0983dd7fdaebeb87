import type { ApisixKind } from '@weft/model';
import { KINDS_SORTED } from './content.js';
import type { EntryChange } from './content-state.js';

/**
 * The canonical JSON of the `ResourceDelta` that a ContentState update made (what `canonicalJson(diffResources(a, b))`
 * gives for the same two contents), built from the held encodings: O(changed), no resource encoded again.
 */
export function deltaJson(update: { readonly changes: readonly EntryChange[]; readonly trustBundle: readonly string[] | undefined }): string {
  const byKind = new Map<ApisixKind, { upserted: EntryChange[]; deleted: string[] }>();
  for (const change of update.changes) {
    let kind = byKind.get(change.kind);
    if (kind === undefined) byKind.set(change.kind, (kind = { upserted: [], deleted: [] }));
    if (change.after === undefined) kind.deleted.push(change.id);
    else kind.upserted.push(change);
  }
  const kinds: string[] = [];
  for (const kind of KINDS_SORTED) {
    const changes = byKind.get(kind);
    if (changes === undefined) continue;
    const deleted = changes.deleted.sort(compareIds).map((id) => JSON.stringify(id));
    const upserted = changes.upserted.sort((a, b) => compareIds(a.id, b.id)).map((c) => c.after?.json ?? 'null');
    kinds.push(`"${kind}":{"deleted":[${deleted.join(',')}],"upserted":[${upserted.join(',')}]}`);
  }
  const bundle = update.trustBundle === undefined ? '' : `,"trustBundle":${JSON.stringify(update.trustBundle)}`;
  return `{"changes":{${kinds.join(',')}}${bundle}}`;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
