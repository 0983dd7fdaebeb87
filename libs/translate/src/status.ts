import type { ObjectMetaView, ParentRefView, RouteCondition, RouteConditionReason, RouteParentStatus, WorldState } from '@weft/model';
import type { RefProblem } from './backends.js';

function unique(messages: readonly string[]): string[] {
  return [...new Set(messages)];
}

/** Accepted and ResolvedRefs of one Service parent of a route. */
export function parentStatus(
  world: WorldState,
  meta: ObjectMetaView,
  ref: ParentRefView,
  parentProblem: { readonly reason: RouteConditionReason; readonly message: string } | undefined,
  unsupported: readonly string[],
  refProblems: readonly RefProblem[],
): RouteParentStatus {
  const observedGeneration = meta.generation;
  let accepted: RouteCondition;
  if (parentProblem !== undefined) {
    accepted = { type: 'Accepted', status: 'False', reason: parentProblem.reason, message: parentProblem.message, observedGeneration };
  } else if (unsupported.length > 0) {
    accepted = { type: 'Accepted', status: 'False', reason: 'UnsupportedValue', message: unique(unsupported).join('; '), observedGeneration };
  } else {
    accepted = { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Route is accepted', observedGeneration };
  }
  const firstRef = refProblems[0];
  const resolved: RouteCondition =
    firstRef === undefined
      ? { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references are resolved', observedGeneration }
      : {
          type: 'ResolvedRefs',
          status: 'False',
          reason: firstRef.reason,
          message: unique(refProblems.map((p) => p.message)).join('; '),
          observedGeneration,
        };
  return {
    parentRef: {
      group: ref.group,
      kind: ref.kind,
      namespace: ref.namespace ?? meta.namespace,
      name: ref.name,
      ...(ref.port === undefined ? {} : { port: ref.port }),
      ...(ref.sectionName === undefined ? {} : { sectionName: ref.sectionName }),
    },
    controllerName: world.controllerName,
    conditions: [accepted, resolved],
  };
}
