/**
 * Copy-on-write patching of lists sorted by id, remembering how each patched list was derived. A list built by
 * replacing some items of another (same ids, same positions) can then be replayed onto lists derived from that other
 * one: a route edit patches the producer view, and the same replacement patches every consumer view and scope list
 * in O(n) copying instead of a merge or sort. Positions are found by binary search, so no index is kept.
 */
export class ListPatcher<T extends { readonly id: string }> {
  private readonly derivations = new WeakMap<readonly T[], { readonly from: readonly T[]; readonly items: readonly T[] }>();

  /** `list` with the items of the same id replaced; ids not in `list` are ignored. Unchanged → `list` itself. */
  patch(list: readonly T[], items: readonly T[]): readonly T[] {
    let copy: T[] | undefined;
    for (const item of items) {
      const at = positionOf(list, item.id);
      if (at === undefined || list[at] === item) continue;
      copy ??= list.slice();
      copy[at] = item;
    }
    if (copy === undefined) return list;
    // Only the last step is ever replayed: forgetting how `list` was made keeps older generations collectable.
    this.derivations.delete(list);
    this.derivations.set(copy, { from: list, items });
    return copy;
  }

  /** If `list` was made by `patch(from, items)`, the items; undefined when `list` does not derive from `from`. */
  replacementsSince(list: readonly T[], from: readonly T[]): readonly T[] | undefined {
    const d = this.derivations.get(list);
    return d?.from === from ? d.items : undefined;
  }
}

/** Binary search in a list sorted by id (no per-list index to keep in memory). */
function positionOf(list: readonly { readonly id: string }[], id: string): number | undefined {
  let low = 0;
  let high = list.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const at = (list[mid] as { readonly id: string }).id;
    if (at === id) return mid;
    if (at < id) low = mid + 1;
    else high = mid - 1;
  }
  return undefined;
}
