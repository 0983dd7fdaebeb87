import type { Logger } from '@weft/telemetry';
import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';
import type { KubeObject } from '../client/kube-object.js';
import { mergeRouteParents } from './route-status.js';
import type { DesiredRouteStatus, RouteParentStatus } from './route-status.js';

const PLURAL = { HTTPRoute: 'httproutes', GRPCRoute: 'grpcroutes' } as const;

export interface RouteStatusWriterOptions {
  readonly log: Logger;
  /** Written as `controllerName` in each parent entry Weft owns. */
  readonly controllerName: string;
  /** Attempts per route when another writer updated it in between (409 Conflict). */
  readonly maxAttempts?: number;
  readonly now?: () => Date;
}

export interface StatusWriteOptions {
  readonly shouldContinue?: () => boolean;
}

export interface StatusWriteResult {
  readonly written: number;
  readonly unchanged: number;
  readonly failed: number;
}

/**
 * Writes `status.parents` of HTTPRoutes and GRPCRoutes through the status subresource, one route at a time:
 * read, merge (other controllers' entries untouched), and update with the read resourceVersion so a concurrent
 * writer is never overwritten (409 → read again and retry). Routes whose status would not change are not written.
 */
export class RouteStatusWriter {
  private readonly written = new Map<string, string>();

  constructor(
    private readonly http: KubeHttp,
    private readonly options: RouteStatusWriterOptions,
  ) {}

  /** Writes each route's status; `shouldContinue` is asked before each route (a replica that lost leadership stops). */
  async write(statuses: readonly DesiredRouteStatus[], options: StatusWriteOptions = {}): Promise<StatusWriteResult> {
    let written = 0;
    let unchanged = 0;
    let failed = 0;
    for (const desired of statuses) {
      if (options.shouldContinue?.() === false) break;
      const key = `${desired.kind}/${desired.namespace}/${desired.name}`;
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
        this.options.log.warn({ route: key, err: (err as Error).message }, 'could not write route status');
      }
    }
    return { written, unchanged, failed };
  }

  /** Forgets what was written, e.g. after this replica lost and regained leadership. */
  reset(): void {
    this.written.clear();
  }

  private async writeOne(desired: DesiredRouteStatus): Promise<boolean> {
    const path = `/apis/gateway.networking.k8s.io/v1/namespaces/${desired.namespace}/${PLURAL[desired.kind]}/${desired.name}`;
    const attempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let route: KubeObject & { status?: { parents?: RouteParentStatus[] } };
      try {
        route = await this.http.json('GET', path);
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return false; // deleted meanwhile
        throw err;
      }
      if ((route.metadata?.generation ?? 0) > desired.generation) return false; // a newer translation will follow
      const now = (this.options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const parents = mergeRouteParents(route.status?.parents ?? [], desired, this.options.controllerName, now);
      if (parents === undefined) return false;
      try {
        await this.http.json('PUT', `${path}/status`, { ...route, status: { ...route.status, parents } });
        return true;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 409 && attempt < attempts) continue;
        throw err;
      }
    }
  }
}
