import type { DeltaState, FullState } from '@weft/bus';
import { APISIX_KINDS } from '@weft/model';
import type { ApisixKind, ApisixResources } from '@weft/model';
import { ContentState, deltaJson, diffSortedById } from '@weft/snapshot';
import type { KindChanges, ResourceChanges } from '@weft/snapshot';

/** The last published version of one scope: the translator's lists (for an identity diff) and its content. */
interface Published {
  lists: ApisixResources;
  readonly state: ContentState;
  version: string;
}

/** The next version of a scope, hashed and validated, ready to publish. */
export interface PreparedScope {
  readonly hash: string;
  /** Problems that keep it from being published (empty: valid), one line each. */
  readonly problems: readonly string[];
  /** Its full state: the JSON is built only if the publisher stores a checkpoint. */
  readonly full: FullState;
  /** The change from the last published version, when there is one. */
  readonly delta: DeltaState | undefined;
  /** It was published as `version`: it becomes the base of the next one. */
  commit(version: string): void;
  /** It was not published (invalid, or the publish failed): the last published version stays the base. */
  abandon(): void;
}

/**
 * What the pipeline keeps of each scope it published, so the next version costs O(change), not O(scope): the
 * translator keeps unchanged resources as the same objects (copy-on-write), so comparing its lists by identity finds
 * the candidates, and the scope's ContentState re-encodes, re-hashes and re-validates only those. Resource entries
 * are cached by object identity, so a resource shared by many scopes is encoded and validated once.
 */
export class PublishedScopes {
  readonly #scopes = new Map<string, Published>();
  #generation = 0;

  /** Changes whenever a scope is published for the first time or forgotten (the set of scope ids changes). */
  get generation(): number {
    return this.#generation;
  }

  /** The next version of `scope`, or undefined when its content equals the last published (nothing to do). */
  prepare(scope: string, resources: ApisixResources, trustBundle: readonly string[]): PreparedScope | undefined {
    const before = this.#scopes.get(scope);
    if (before === undefined) {
      const state = ContentState.from({ resources, trustBundle }, { immutableResources: true });
      const commit = (version: string): void => {
        this.#scopes.set(scope, { lists: resources, state, version });
        this.#generation++;
      };
      return this.#prepared(state, undefined, commit, () => undefined);
    }
    const baseHash = before.state.hash;
    const update = before.state.update({ changes: changedResources(before.lists, resources), trustBundle });
    if (update.changes.length === 0 && update.trustBundle === undefined) {
      before.lists = resources;
      return undefined;
    }
    const delta: DeltaState = { baseHash, json: deltaJson(update) };
    return this.#prepared(
      before.state,
      delta,
      (version) => {
        before.lists = resources;
        before.version = version;
      },
      () => {
        update.undo();
      },
    );
  }

  has(scope: string): boolean {
    return this.#scopes.has(scope);
  }

  /** Version and hash published per scope. */
  versions(): Map<string, { readonly version: string; readonly hash: string }> {
    return new Map([...this.#scopes].map(([scope, p]) => [scope, { version: p.version, hash: p.state.hash }]));
  }

  /** Forgets scopes not in `keep` (a scope id that comes back is published afresh). */
  retain(keep: (scope: string) => boolean): void {
    for (const scope of [...this.#scopes.keys()]) {
      if (keep(scope)) continue;
      this.#scopes.delete(scope);
      this.#generation++;
    }
  }

  clear(): void {
    this.#scopes.clear();
    this.#generation++;
  }

  #prepared(state: ContentState, delta: DeltaState | undefined, commit: (version: string) => void, abandon: () => void): PreparedScope {
    const problems = state.valid() ? [] : state.problems().map((p) => `${p.kind ?? ''}/${p.id ?? ''} ${p.path}: ${p.message}`);
    const hash = state.hash;
    return { hash, problems, full: { hash, json: () => state.toJson() }, delta, commit, abandon };
  }
}

/**
 * The resources of `next` that are not the very object `previous` held under the same id (upserted: the content
 * state decides whether their encoding changed) and the ids gone. Both are the translator's lists, sorted by id
 * (its contract); a pass costs a pointer comparison per unchanged resource, ids are compared only where objects
 * differ. A list out of order shows up as an id both deleted and upserted, which ContentState refuses.
 */
export function changedResources(previous: ApisixResources, next: ApisixResources): ResourceChanges {
  const changes: Partial<Record<ApisixKind, KindChanges>> = {};
  for (const kind of APISIX_KINDS) {
    const kindChanges = diffSortedById(previous[kind], next[kind], sameObject);
    if (kindChanges !== undefined) changes[kind] = kindChanges;
  }
  return changes as ResourceChanges;
}

/** Only the very same object is unchanged here; whether a replaced object's encoding changed is ContentState's call. */
const sameObject = (): boolean => false;
