import type { Logger } from '@weft/telemetry';
import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';
import type { KubeObject } from '../client/kube-object.js';

export interface StatusWriteOptions {
  readonly shouldContinue?: () => boolean;
}

export interface StatusWriteResult {
  readonly written: number;
  readonly unchanged: number;
  readonly failed: number;
}

/** A desired status of one object: which object, and the generation it was computed from. */
export interface DesiredObjectStatus {
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
}

export type StatusedObject = KubeObject & { readonly status?: Readonly<Record<string, unknown>> };

/** What differs between the kinds whose status Weft writes: where the object is, and how its status merges. */
export interface StatusSubresource<D extends DesiredObjectStatus> {
  /** Unique per object (kind included), for the memory of what was written and for logs. */
  key(desired: D): string;
  /** The object's API path (its status subresource is `<path>/status`). */
  path(desired: D): string;
  /** The object's whole new status (fields Weft does not own kept), or undefined when it would not change. */
  merge(object: StatusedObject, desired: D, now: string): Readonly<Record<string, unknown>> | undefined;
}

export interface StatusSubresourceWriterOptions {
  readonly log: Logger;
  /** Attempts per object when another writer updated it in between (409 Conflict). */
  readonly maxAttempts?: number;
  readonly now?: () => Date;
}

/**
 * Writes status through the status subresource, one object at a time: read, merge (what other writers own stays
 * untouched), and update with the read resourceVersion so a concurrent writer is never overwritten (409 → read again
 * and retry). Objects whose status would not change are not written, and a status already written for the same
 * desired status is not even read again.
 */
export class StatusSubresourceWriter<D extends DesiredObjectStatus> {
  private readonly written = new Map<string, string>();

  constructor(
    private readonly http: KubeHttp,
    private readonly subresource: StatusSubresource<D>,
    private readonly options: StatusSubresourceWriterOptions,
  ) {}

  /** Writes each object's status; `shouldContinue` is asked before each (a replica that lost leadership stops). */
  async write(statuses: readonly D[], options: StatusWriteOptions = {}): Promise<StatusWriteResult> {
    let written = 0;
    let unchanged = 0;
    let failed = 0;
    for (const desired of statuses) {
      if (options.shouldContinue?.() === false) break;
      const key = this.subresource.key(desired);
      const fingerprint = JSON.stringify(desired);
      // What we wrote last for this exact desired status needs no read: nothing to do.
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
        this.options.log.warn({ object: key, err: (err as Error).message }, 'could not write status');
      }
    }
    // Objects that are gone need no memory.
    if (this.written.size > statuses.length) {
      const keep = new Set(statuses.map((s) => this.subresource.key(s)));
      for (const key of this.written.keys()) if (!keep.has(key)) this.written.delete(key);
    }
    return { written, unchanged, failed };
  }

  /** Forgets what was written, e.g. after this replica lost and regained leadership. */
  reset(): void {
    this.written.clear();
  }

  private async writeOne(desired: D): Promise<boolean> {
    const path = this.subresource.path(desired);
    const attempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let object: StatusedObject;
      try {
        object = await this.http.json('GET', path);
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return false; // deleted meanwhile
        throw err;
      }
      if ((object.metadata?.generation ?? 0) > desired.generation) return false; // a newer translation will follow
      const now = (this.options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const status = this.subresource.merge(object, desired, now);
      if (status === undefined) return false;
      try {
        await this.http.json('PUT', `${path}/status`, { ...object, status });
        return true;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 409 && attempt < attempts) continue;
        throw err;
      }
    }
  }
}
