import { canonicalCopy, canonicalJson } from './canonical.js';

/**
 * Resources that this library deep-froze itself. Only those may have their encoding cached: an object frozen by
 * someone else could still hold a mutable child, and a cached encoding of it could go stale.
 */
const deepFrozen = new WeakSet<object>();
const encodings = new WeakMap<object, string>();

/** Freeze `value` and everything under it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || deepFrozen.has(value)) return value;
  freezeTree(value);
  // Only the root is remembered: a resource is looked up as a whole, and a WeakSet entry per node costs.
  deepFrozen.add(value);
  return value;
}

function freezeTree(value: object): void {
  if (deepFrozen.has(value)) return;
  for (const child of Object.values(value) as unknown[]) {
    if (typeof child === 'object' && child !== null) freezeTree(child);
  }
  Object.freeze(value);
}

/** Whether this library deep-froze `value` itself (so nothing under it can change). */
export function isDeepFrozen(value: object): boolean {
  return deepFrozen.has(value);
}

/**
 * Canonical encoding of one resource, cached for the resources this library froze. `encodingOf(resource, true)`
 * caches it for any resource: for callers whose resources never change once handed over.
 */
export function encodingOf(resource: object, immutable = false): string {
  const cached = encodings.get(resource);
  if (cached !== undefined) return cached;
  const encoded = canonicalJson(resource);
  if (immutable || deepFrozen.has(resource)) encodings.set(resource, encoded);
  return encoded;
}

/**
 * A frozen, canonical copy of `resource` (keys sorted, undefined fields dropped) with its encoding cached.
 * A resource this library already froze is returned as it is, so rebuilding from an older snapshot copies nothing.
 */
export function freezeCanonicalCopy<T extends object>(resource: T): T {
  if (deepFrozen.has(resource)) return resource;
  const copy = deepFreeze(canonicalCopy(resource));
  // Encoded from the copy itself, so the cached encoding is that of the data the snapshot holds.
  encodings.set(copy, canonicalJson(copy));
  return copy;
}
