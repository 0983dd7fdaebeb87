import type { RouteStatusResult } from '@weft/model';
import { compareStrings } from './ids.js';
import type { RouteCandidate, RouteTranslation } from './route-candidates.js';

/**
 * A route's new translation with every candidate that came out the same as last time (same slot, ranking inputs and
 * APISIX route content) replaced by last time's object, so an edit that leaves a candidate alone (a generation bump,
 * a status-only change, an edit of another rule) keeps its identity and nothing downstream of it is rebuilt.
 */
export function stabilize(next: RouteTranslation, previous: RouteTranslation | undefined): RouteTranslation {
  if (previous === undefined || previous.candidates.length === 0 || next.candidates.length === 0) return next;
  const old = new Map<string, RouteCandidate>();
  for (const c of previous.candidates) old.set(`${c.slot}|${c.route.id}`, c);
  let reused = 0;
  const candidates = next.candidates.map((c) => {
    const before = old.get(`${c.slot}|${c.route.id}`);
    if (before === undefined || !sameCandidate(before, c)) return c;
    reused++;
    return before;
  });
  if (reused === 0) return next;
  const same = candidates.length === previous.candidates.length && candidates.every((c, i) => c === previous.candidates[i]);
  return { ...next, candidates: same ? previous.candidates : candidates };
}

function sameCandidate(a: RouteCandidate, b: RouteCandidate): boolean {
  return (
    a.serviceKey === b.serviceKey &&
    a.port === b.port &&
    a.consumerNamespace === b.consumerNamespace &&
    a.precedence === b.precedence &&
    a.routeOrder === b.routeOrder &&
    a.ruleIndex === b.ruleIndex &&
    // Routes are built field by field in a fixed order, so equal content serialises equally.
    JSON.stringify(a.route) === JSON.stringify(b.route)
  );
}

/** Candidate lists per slot after some routes' candidates were replaced: only the slots they touch are copied. */
export function editSlots(
  slots: ReadonlyMap<string, readonly RouteCandidate[]>,
  removed: readonly RouteCandidate[],
  added: readonly RouteCandidate[],
): { readonly slots: Map<string, readonly RouteCandidate[]>; readonly touched: ReadonlySet<string> } {
  const next = new Map(slots);
  const touched = new Set<string>();
  const gone = new Set(removed);
  for (const c of removed) touched.add(c.slot);
  for (const c of added) touched.add(c.slot);
  for (const slot of touched) {
    const list = (slots.get(slot) ?? []).filter((c) => !gone.has(c));
    for (const c of added) if (c.slot === slot) list.push(c);
    if (list.length === 0) next.delete(slot);
    else next.set(slot, list);
  }
  return { slots: next, touched };
}

function compareStatus(a: RouteStatusResult, b: RouteStatusResult): number {
  return compareStrings(a.kind, b.kind) || compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}

export function sortStatuses(statuses: RouteStatusResult[]): RouteStatusResult[] {
  return statuses.sort(compareStatus);
}

/** The sorted status list with `before` statuses swapped for `after` ones (either may be missing). */
export function editStatuses(
  statuses: readonly RouteStatusResult[],
  edits: readonly { readonly before: RouteStatusResult | undefined; readonly after: RouteStatusResult | undefined }[],
): readonly RouteStatusResult[] {
  if (edits.every((e) => e.before === e.after)) return statuses;
  if (edits.every((e) => e.before !== undefined && e.after !== undefined && compareStatus(e.before, e.after) === 0)) {
    const out = statuses.slice();
    for (const { before, after } of edits) {
      const at = out.indexOf(before as RouteStatusResult);
      if (at < 0) return rebuildStatuses(statuses, edits);
      out[at] = after as RouteStatusResult;
    }
    return out;
  }
  return rebuildStatuses(statuses, edits);
}

function rebuildStatuses(
  statuses: readonly RouteStatusResult[],
  edits: readonly { readonly before: RouteStatusResult | undefined; readonly after: RouteStatusResult | undefined }[],
): RouteStatusResult[] {
  const gone = new Set(edits.map((e) => e.before));
  const out = statuses.filter((s) => !gone.has(s));
  for (const e of edits) if (e.after !== undefined) out.push(e.after);
  return sortStatuses(out);
}
