/** One RFC 6902 operation; the injector only ever adds. */
export interface JsonPatchAdd {
  readonly op: 'add';
  readonly path: string;
  readonly value: unknown;
}

/** A JSON Pointer token (RFC 6901): `~` → `~0`, `/` → `~1`, so `weft.dev/status` stays one key. */
export function pointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Adds to an object map (annotations): the whole map when it is absent, else one key at a time. */
export function addToMap(path: string, current: Readonly<Record<string, string>> | undefined, entries: Readonly<Record<string, string>>): JsonPatchAdd[] {
  if (current === undefined) return [{ op: 'add', path, value: { ...entries } }];
  return Object.entries(entries).map(([key, value]) => ({ op: 'add', path: `${path}/${pointerToken(key)}`, value }));
}

/** Puts `items` at the front of a list, in order (the whole list when absent). */
export function prependToList(path: string, current: readonly unknown[] | undefined, items: readonly unknown[]): JsonPatchAdd[] {
  if (items.length === 0) return [];
  if (current === undefined) return [{ op: 'add', path, value: [...items] }];
  return items.map((value, i) => ({ op: 'add', path: `${path}/${i}`, value }));
}

/** Appends `items` to a list (the whole list when absent). */
export function appendToList(path: string, current: readonly unknown[] | undefined, items: readonly unknown[]): JsonPatchAdd[] {
  if (items.length === 0) return [];
  if (current === undefined) return [{ op: 'add', path, value: [...items] }];
  return items.map((value) => ({ op: 'add', path: `${path}/-`, value }));
}
