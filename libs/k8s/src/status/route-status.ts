/** A parentRef as Gateway API writes it in `status.parents[].parentRef`. */
export interface ParentRef {
  readonly group?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name: string;
  readonly port?: number;
  readonly sectionName?: string;
}

/** A condition as the translation decides it; the writer adds observedGeneration and lastTransitionTime. */
export interface DesiredCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/** What Weft wants `status.parents` to say for one route, for the parents Weft is responsible for. */
export interface DesiredRouteStatus {
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly namespace: string;
  readonly name: string;
  /** metadata.generation the conditions were computed from. */
  readonly generation: number;
  readonly parents: readonly { readonly parentRef: ParentRef; readonly conditions: readonly DesiredCondition[] }[];
}

export interface Condition extends DesiredCondition {
  readonly observedGeneration: number;
  readonly lastTransitionTime: string;
}

export interface RouteParentStatus {
  readonly parentRef: ParentRef;
  readonly controllerName: string;
  readonly conditions: readonly Condition[];
}

/** Identity of a parentRef, with the Gateway API defaults applied (group gateway.networking.k8s.io, kind Gateway). */
export function parentRefKey(ref: ParentRef, routeNamespace: string): string {
  return [
    ref.group ?? 'gateway.networking.k8s.io',
    ref.kind ?? 'Gateway',
    ref.namespace ?? routeNamespace,
    ref.name,
    ref.port ?? '',
    ref.sectionName ?? '',
  ].join('|');
}

/**
 * The new `status.parents`: other controllers' entries untouched and in place, ours replaced by the desired ones
 * (a condition keeps its lastTransitionTime while its status does not change). Returns undefined when nothing
 * would change, so the writer skips the request.
 */
export function mergeRouteParents(
  current: readonly RouteParentStatus[],
  desired: DesiredRouteStatus,
  controllerName: string,
  now: string,
): RouteParentStatus[] | undefined {
  const ours = new Map(
    current.filter((p) => p.controllerName === controllerName).map((p) => [parentRefKey(p.parentRef, desired.namespace), p]),
  );
  const next: RouteParentStatus[] = current.filter((p) => p.controllerName !== controllerName);
  for (const parent of desired.parents) {
    const previous = ours.get(parentRefKey(parent.parentRef, desired.namespace));
    const conditions = parent.conditions.map((c): Condition => {
      const before = previous?.conditions.find((p) => p.type === c.type);
      return {
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
        observedGeneration: desired.generation,
        lastTransitionTime: before !== undefined && before.status === c.status ? before.lastTransitionTime : now,
      };
    });
    next.push({ parentRef: parent.parentRef, controllerName, conditions });
  }
  return sameParents(current, next) ? undefined : next;
}

function sameParents(a: readonly RouteParentStatus[], b: readonly RouteParentStatus[]): boolean {
  return JSON.stringify(a.map(normalise)) === JSON.stringify(b.map(normalise));
}

function normalise(p: RouteParentStatus): unknown {
  return {
    parentRef: Object.fromEntries(Object.entries(p.parentRef).sort(([x], [y]) => x.localeCompare(y))),
    controllerName: p.controllerName,
    conditions: p.conditions.map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration, c.lastTransitionTime]),
  };
}
