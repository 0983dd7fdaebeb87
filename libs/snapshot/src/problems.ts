import type { ApisixKind } from '@weft/model';

/**
 * Why a snapshot may not be served. A closed set, so problem counts can be metric labels.
 * - `unknown_field`: a field APISIX's schema does not allow (its objects are additionalProperties:false)
 * - `missing_field`: a required field is absent
 * - `invalid_value`: wrong type, out of range, not in the enum, bad pattern
 * - `conflicting_fields`: fields that exclude each other, or a required choice not made
 * - `dangling_reference`: an id that resolves to nothing in the same snapshot
 * - `wrong_reference_kind`: an id that resolves to the wrong sort of resource (a server ssl as client cert)
 * - `too_large`: the encoded snapshot exceeds the size limit
 */
export type SnapshotProblemCode =
  | 'unknown_field'
  | 'missing_field'
  | 'invalid_value'
  | 'conflicting_fields'
  | 'dangling_reference'
  | 'wrong_reference_kind'
  | 'too_large';

export interface SnapshotProblem {
  readonly code: SnapshotProblemCode;
  /** Kind and id of the resource at fault; absent for whole-snapshot problems. */
  readonly kind?: ApisixKind;
  readonly id?: string;
  /** Where, e.g. `routes[web.8080-0].plugins.traffic-split.rules[0].weighted_upstreams[1].upstream_id`. */
  readonly path: string;
  readonly message: string;
}
