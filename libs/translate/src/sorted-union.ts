import { byId } from './ids.js';
import { ListPatcher } from './list-patcher.js';
import { sameList } from './services.js';

/**
 * The sorted union of groups of resources, kept between translations: when only some groups changed and their ids
 * did not, the previous list is patched in place of a full sort, so one changed Service costs O(n) copying, not
 * O(n log n) comparing. Unchanged input returns the very same array.
 */
export class SortedUnion<T extends { readonly id: string }> {
  private groups: ReadonlyMap<string, readonly T[]> = new Map<string, readonly T[]>();
  /** Whether `groups` is a copy this union made (and may change), not a caller's map. */
  private ownsGroups = false;
  private items: readonly T[] = [];
  private primed = false;

  constructor(private readonly patcher: ListPatcher<T> = new ListPatcher<T>()) {}

  update(groups: ReadonlyMap<string, readonly T[]>): readonly T[] {
    const changed = this.primed ? this.changedGroups(groups) : undefined;
    if (changed === undefined) return this.rebuild(groups);
    if (changed.length > 0) this.items = this.patcher.patch(this.items, changed.flat());
    // Callers hand over a fresh map each time and never change it afterwards.
    this.groups = groups;
    this.ownsGroups = false;
    return this.items;
  }

  /**
   * The union with some groups replaced (an empty list removes a group), looking at those groups only: same ids →
   * patched in place; other ids → removed and merged in, O(n) copying. Needs a previous `update`.
   */
  replaceGroups(changes: ReadonlyMap<string, readonly T[]>): readonly T[] {
    if (!this.ownsGroups) {
      this.groups = new Map(this.groups);
      this.ownsGroups = true;
    }
    const groups = this.groups as Map<string, readonly T[]>;
    const patches: T[] = [];
    const removed = new Set<string>();
    const added: T[] = [];
    for (const [key, group] of changes) {
      const previous = groups.get(key) ?? [];
      if (group.length === 0) groups.delete(key);
      else groups.set(key, group);
      if (sameList(previous, group)) continue;
      if (previous.length === group.length && group.every((item, i) => item.id === previous[i]?.id)) patches.push(...group);
      else {
        for (const item of previous) removed.add(item.id);
        added.push(...group);
      }
    }
    if (patches.length > 0) this.items = this.patcher.patch(this.items, patches);
    if (removed.size === 0 && added.length === 0) return this.items;
    const kept = this.items.filter((item) => !removed.has(item.id));
    const merged = mergeById(kept, added.sort(byId));
    for (let i = 1; i < merged.length; i++) {
      // An id held by two groups: the full rebuild decides which one stays.
      if ((merged[i - 1] as T).id === (merged[i] as T).id) return this.rebuild(new Map(groups));
    }
    this.items = merged;
    return this.items;
  }

  /**
   * Replaces items by id, for callers that know the ids did not change; `groups` is the complete grouping the result
   * reflects (kept for the next `update`). Unknown ids are ignored.
   */
  patch(items: readonly T[], groups: ReadonlyMap<string, readonly T[]>): readonly T[] {
    this.items = this.patcher.patch(this.items, items);
    this.groups = groups;
    return this.items;
  }

  /** Groups whose elements changed but whose ids did not; undefined when a full rebuild is needed. */
  private changedGroups(groups: ReadonlyMap<string, readonly T[]>): (readonly T[])[] | undefined {
    if (groups.size !== this.groups.size) return undefined;
    const changed: (readonly T[])[] = [];
    for (const [key, group] of groups) {
      const previous = this.groups.get(key);
      if (previous === undefined) return undefined;
      if (sameList(previous, group)) continue;
      if (previous.length !== group.length) return undefined;
      for (let i = 0; i < group.length; i++) if (group[i]?.id !== previous[i]?.id) return undefined;
      changed.push(group);
    }
    return changed;
  }

  private rebuild(groups: ReadonlyMap<string, readonly T[]>): readonly T[] {
    const all: T[] = [];
    for (const group of groups.values()) all.push(...group);
    all.sort(byId);
    // Equal ids would make APISIX keep one at random; keep the first deterministically.
    const unique = all.filter((item, i) => i === 0 || all[i - 1]?.id !== item.id);
    this.items = unique;
    this.groups = groups;
    this.ownsGroups = false;
    this.primed = true;
    return unique;
  }
}

/** Merge of two lists sorted by id (ids are distinct between them). */
export function mergeById<T extends { readonly id: string }>(a: readonly T[], b: readonly T[]): readonly T[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: T[] = new Array<T>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as T;
    const y = b[j] as T;
    if (x.id <= y.id) {
      out[k++] = x;
      i++;
    } else {
      out[k++] = y;
      j++;
    }
  }
  while (i < a.length) out[k++] = a[i++] as T;
  while (j < b.length) out[k++] = b[j++] as T;
  return out;
}
