import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@weft/telemetry';
import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';
import { LeaseForbiddenError } from './errors.js';
import { leaseCollectionPath } from './lease-record.js';
import type { Lease } from './lease-record.js';

export interface LeaseWatchOptions {
  readonly namespace: string;
  readonly name: string;
  /** Wait before watching again after a failure. */
  readonly retryMs: number;
  readonly log: Logger;
  /** Each state of the lease as it happens; undefined when it was deleted. */
  readonly onLease: (lease: Lease | undefined) => void;
  readonly onError: (error: Error) => void;
}

/** Server-side watch timeout; the watch is opened again when it ends. */
const WATCH_TIMEOUT_SECONDS = 60;
/** A forbidden watch is tried again this much less often: RBAC may be fixed later, but rarely within seconds. */
const FORBIDDEN_SLOWDOWN = 15;

/**
 * Watches one Lease by name. Each (re)opened watch starts with the lease's current state (a watch without a
 * resourceVersion), so nothing depends on replaying history. Without the watch the elector still works, by
 * polling; the watch only makes it see renewals and releases as they happen.
 */
export class LeaseWatch {
  private isWatching = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly http: KubeHttp,
    private readonly options: LeaseWatchOptions,
  ) {}

  get watching(): boolean {
    return this.isWatching;
  }

  start(signal: AbortSignal): void {
    this.running = this.loop(signal);
  }

  stopped(): Promise<void> {
    return this.running;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const { namespace, name, log } = this.options;
    const query = new URLSearchParams({
      watch: '1',
      fieldSelector: `metadata.name=${name}`,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(WATCH_TIMEOUT_SECONDS),
    });
    const path = `${leaseCollectionPath(namespace)}?${query.toString()}`;
    let forbiddenReported = false;
    // A function, not the property: TypeScript would narrow `signal.aborted` to false inside the loop.
    const stopped = (): boolean => signal.aborted;
    while (!stopped()) {
      let waitMs = this.options.retryMs;
      try {
        for await (const event of this.http.watch(path, signal, (WATCH_TIMEOUT_SECONDS + 30) * 1000)) {
          this.isWatching = true;
          forbiddenReported = false;
          if (event.type === 'ADDED' || event.type === 'MODIFIED') this.options.onLease(event.object);
          else if (event.type === 'DELETED') this.options.onLease(undefined);
          else if (event.type === 'ERROR') break; // open a fresh watch
        }
        continue;
      } catch (err) {
        if (stopped()) break;
        this.isWatching = false;
        if (err instanceof KubeApiError && err.status === 403) {
          waitMs = this.options.retryMs * FORBIDDEN_SLOWDOWN;
          if (!forbiddenReported) {
            forbiddenReported = true;
            this.options.onError(new LeaseForbiddenError('watch', namespace, name, { cause: err }));
          }
        } else {
          log.debug({ err: (err as Error).message, retryInMs: waitMs }, 'lease watch failed; polling until it is back');
        }
      } finally {
        this.isWatching = false;
      }
      try {
        await delay(waitMs, undefined, { signal });
      } catch {
        break;
      }
    }
    this.isWatching = false;
  }
}
