import type { KubeHttp } from '../client/kube-http.js';
import { collectionPath } from '../informers/resource-types.js';
import type { ResourceType } from '../informers/resource-types.js';
import { mergeConditions } from './conditions-status.js';
import type { DesiredConditionsStatus } from './conditions-status.js';
import type { Condition } from './route-status.js';
import { StatusSubresourceWriter } from './status-subresource-writer.js';
import type { StatusSubresourceWriterOptions } from './status-subresource-writer.js';

export interface ConditionsStatusWriterOptions extends StatusSubresourceWriterOptions {
  /** The kind whose `status.conditions` this writer owns, e.g. MeshAuthorization. */
  readonly type: ResourceType;
}

/** Writes `status.conditions` of Weft's own namespaced kinds; condition types Weft does not set stay untouched. */
export class ConditionsStatusWriter extends StatusSubresourceWriter<DesiredConditionsStatus> {
  constructor(http: KubeHttp, options: ConditionsStatusWriterOptions) {
    super(
      http,
      {
        key: (desired) => `${options.type.kind}/${desired.namespace}/${desired.name}`,
        path: (desired) => `${collectionPath(options.type, desired.namespace)}/${desired.name}`,
        merge: (object, desired, now) => {
          const conditions = mergeConditions((object.status?.['conditions'] ?? []) as Condition[], desired, now);
          return conditions === undefined ? undefined : { ...object.status, conditions };
        },
      },
      options,
    );
  }
}
