import type { Condition, DesiredCondition } from './route-status.js';

/** What Weft wants `status.conditions` of one of its own objects (a `mesh.weft.dev` kind) to say. */
export interface DesiredConditionsStatus {
  readonly namespace: string;
  readonly name: string;
  /** metadata.generation the conditions were computed from. */
  readonly generation: number;
  readonly conditions: readonly DesiredCondition[];
}

/**
 * The new `status.conditions`: ours (by type) replaced by the desired ones, with observedGeneration, keeping a
 * condition's lastTransitionTime while its status does not change; condition types Weft does not set stay untouched.
 * Returns undefined when nothing would change, so the writer skips the request.
 */
export function mergeConditions(current: readonly Condition[], desired: DesiredConditionsStatus, now: string): Condition[] | undefined {
  const ours = new Set(desired.conditions.map((c) => c.type));
  const next: Condition[] = current.filter((c) => !ours.has(c.type));
  for (const c of desired.conditions) {
    const before = current.find((p) => p.type === c.type);
    next.push({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      observedGeneration: desired.generation,
      lastTransitionTime: before !== undefined && before.status === c.status ? before.lastTransitionTime : now,
    });
  }
  return sameConditions(current, next) ? undefined : next;
}

function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  const key = (c: Condition) => [c.type, c.status, c.reason, c.message, c.observedGeneration, c.lastTransitionTime];
  return JSON.stringify(a.map(key)) === JSON.stringify(b.map(key));
}
