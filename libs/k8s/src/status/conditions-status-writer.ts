import type { Logger } from '@weft/telemetry';
import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';
import type { KubeObject } from '../client/kube-object.js';
import { collectionPath } from '../informers/resource-types.js';
import type { ResourceType } from '../informers/resource-types.js';
import { mergeConditions } from './conditions-status.js';
import type { DesiredConditionsStatus } from './conditions-status.js';
import type { Condition } from './route-status.js';
import type { StatusWriteOptions, StatusWriteResult } from './route-status-writer.js';

export interface ConditionsStatusWriterOptions {
  readonly log: Logger;
  /** The kind whose `status.conditions` this writer owns, e.g. MeshAuthorization. */
  readonly type: ResourceType;
  /** Attempts per object when another writer updated it in between (409 Conflict). */
  readonly maxAttempts?: number;
  readonly now?: () => Date;
}

/**
 * Writes `status.conditions` of Weft's own namespaced kinds through the status subresource, one object at a time:
 * read, merge (condition types Weft does not set untouched), and update with the read resourceVersion so a concurrent
 * writer is never overwritten (409 → read again and retry). Objects whose status would not change are not written,
 * and a status already written for the same desired conditions is not even read again.
 */
export class ConditionsStatusWriter {
  private readonly written = new Map<string, string>();

  constructor(
    private readonly http: KubeHttp,
    private readonly options: ConditionsStatusWriterOptions,
  ) {}

  /** Writes each object's conditions; `shouldContinue` is asked before each (a replica that lost leadership stops). */
  async write(statuses: readonly DesiredConditionsStatus[], options: StatusWriteOptions = {}): Promise<StatusWriteResult> {
    let written = 0;
    let unchanged = 0;
    let failed = 0;
    for (const desired of statuses) {
      if (options.shouldContinue?.() === false) break;
      const key = `${desired.namespace}/${desired.name}`;
      const fingerprint = JSON.stringify(desired);
      if (this.written.get(key) === fingerprint) {
        unchanged++;
        continue;
      }
      try {
        const changed = await this.writeOne(desired);
        this.written.set(key, fingerprint);
        if (changed) written++;
        else unchanged++;
      } catch (err) {
        failed++;
        this.options.log.warn({ kind: this.options.type.kind, object: key, err: (err as Error).message }, 'could not write status');
      }
    }
    // Objects that are gone need no memory.
    if (this.written.size > statuses.length) {
      const keep = new Set(statuses.map((s) => `${s.namespace}/${s.name}`));
      for (const key of this.written.keys()) if (!keep.has(key)) this.written.delete(key);
    }
    return { written, unchanged, failed };
  }

  /** Forgets what was written, e.g. after this replica lost and regained leadership. */
  reset(): void {
    this.written.clear();
  }

  private async writeOne(desired: DesiredConditionsStatus): Promise<boolean> {
    const path = `${collectionPath(this.options.type, desired.namespace)}/${desired.name}`;
    const attempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let object: KubeObject & { status?: { conditions?: Condition[] } };
      try {
        object = await this.http.json('GET', path);
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return false; // deleted meanwhile
        throw err;
      }
      if ((object.metadata?.generation ?? 0) > desired.generation) return false; // a newer translation will follow
      const now = (this.options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const conditions = mergeConditions(object.status?.conditions ?? [], desired, now);
      if (conditions === undefined) return false;
      try {
        await this.http.json('PUT', `${path}/status`, { ...object, status: { ...object.status, conditions } });
        return true;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 409 && attempt < attempts) continue;
        throw err;
      }
    }
  }
}
