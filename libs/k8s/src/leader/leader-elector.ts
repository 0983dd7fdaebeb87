import { performance } from 'node:perf_hooks';
import type { Logger } from '@weft/telemetry';
import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';
import { LeaderElectionConfigError, leaseRequestError } from './errors.js';
import { formatMicroTime, holderOf, LEASE_API_VERSION, leaseCollectionPath, leasePath, recordKey } from './lease-record.js';
import type { Lease, LeaseSpec } from './lease-record.js';
import { LeaseWatch } from './lease-watch.js';
import { WakeableSleep } from './wakeable-sleep.js';

/** client-go's JitterFactor: a candidate waits retryPeriod × (1 + random × 1.2) between attempts. */
export const LEADER_JITTER_FACTOR = 1.2;

export interface LeaderElectorOptions {
  readonly namespace: string;
  /** Name of the Lease. */
  readonly name: string;
  /** Unique per replica (the pod name); written as the Lease's holderIdentity. */
  readonly identity: string;
  /** A lease unrenewed for this long, by the observer's own clock, may be taken over (default 15 s; whole seconds). */
  readonly leaseDurationMs?: number;
  /** A leader that has not renewed for this long steps down, before its lease can expire for others (default 10 s). */
  readonly renewDeadlineMs?: number;
  /** Between renewals, and between attempts to acquire (plus jitter up to ×1.2) (default 2 s). */
  readonly retryPeriodMs?: number;
  /** On stop(), clear the holder so another replica takes over at once (default true, client-go's ReleaseOnCancel). */
  readonly releaseOnStop?: boolean;
  readonly log: Logger;
  readonly callbacks: LeaderCallbacks;
  /** Monotonic milliseconds; every expiry is measured on it, never on the API server's or other replicas' clocks. */
  readonly monotonicNow?: () => number;
  readonly random?: () => number;
}

/** Why a leader stopped leading: it could not renew in time, another holder took the lease, or stop() was called. */
export type StepDownReason = 'renew-deadline' | 'lost' | 'stopped';

export interface LeaderCallbacks {
  /** This replica leads from now on; `term` aborts the moment it stops leading. */
  onStartedLeading(term: AbortSignal): void;
  /** This replica no longer leads. On stop() the lease is released only after a returned promise settles. */
  onStoppedLeading(reason: StepDownReason): void | Promise<void>;
  /** The holder seen in the lease changed (this replica included); undefined when nobody holds it. */
  onNewLeader?(identity: string | undefined): void;
  /** An attempt failed (API server unreachable, forbidden by RBAC, namespace missing); the elector keeps trying. */
  onError?(error: Error): void;
}

/** What `/debug` pages show about the election. */
export interface LeaderElectionState {
  readonly identity: string;
  readonly lease: string;
  readonly leading: boolean;
  /** The holder last seen in the lease. */
  readonly leader: string | undefined;
  readonly leaseTransitions: number | undefined;
  /** Whether the lease is watched (else it is only polled every retry period). */
  readonly watching: boolean;
  readonly renewals: number;
  /** Writes refused with 409 Conflict (another writer changed the lease in between). */
  readonly conflicts: number;
  readonly errors: number;
}

type Attempt = 'ok' | 'held' | 'failed';

/**
 * Leader election on a coordination.k8s.io Lease, with client-go's semantics. A candidate creates the lease when
 * it is absent, takes it over when it has not changed for its lease duration as measured on this process's
 * monotonic clock from when this process last saw it change (remote clocks are never compared), and renews its
 * own. Every write is an update with the read resourceVersion, so of two writers one gets 409 and re-reads.
 * A leader renews every retry period; when it has not renewed for the renew deadline it steps down, which is
 * before any other replica can consider the lease expired. stop() hands the lease back at once.
 *
 * The lease is also watched (when RBAC allows), so a follower sees each renewal as it happens and takes over
 * as soon as the lease duration has passed since the last one, and a released lease is taken over at once.
 */
export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly sleep = new WakeableSleep();
  private readonly watch: LeaseWatch;
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  /** The last lease seen (read, written or watched) and when its record last changed, on the monotonic clock. */
  private observed: Lease | undefined;
  private observedKey: string | undefined;
  private observedAt = 0;
  /** The lease as this replica last read or wrote it: its resourceVersion is what a renewal claims. */
  private own: Lease | undefined;
  private reportedLeader: string | undefined;
  private leading = false;
  private lastRenewAt = 0;
  private term: AbortController | undefined;
  private counts = { renewals: 0, conflicts: 0, errors: 0 };

  constructor(
    private readonly http: KubeHttp,
    private readonly options: LeaderElectorOptions,
  ) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    validate(options, this.leaseDurationMs, this.renewDeadlineMs, this.retryPeriodMs);
    this.now = options.monotonicNow ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.log = options.log.child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
    this.watch = new LeaseWatch(http, {
      namespace: options.namespace,
      name: options.name,
      retryMs: this.retryPeriodMs,
      log: this.log,
      onLease: (lease) => {
        this.onWatched(lease);
      },
      onError: (error) => {
        this.report(error);
      },
    });
  }

  get identity(): string {
    return this.options.identity;
  }

  /** True while this replica holds the lease and is within its renew deadline (checked on the monotonic clock). */
  isLeader(): boolean {
    return this.leading && this.now() - this.lastRenewAt < this.renewDeadlineMs;
  }

  /** The holder last seen in the lease, or undefined. */
  get leader(): string | undefined {
    return this.reportedLeader;
  }

  get state(): LeaderElectionState {
    return {
      identity: this.options.identity,
      lease: `${this.options.namespace}/${this.options.name}`,
      leading: this.isLeader(),
      leader: this.reportedLeader,
      leaseTransitions: this.observed?.spec?.leaseTransitions,
      watching: this.watch.watching,
      ...this.counts,
    };
  }

  start(): void {
    if (this.running !== undefined) return;
    this.watch.start(this.stopping.signal);
    this.running = this.loop();
  }

  /**
   * Stops campaigning. A leader steps down first (onStoppedLeading settles), then clears the holder so another
   * replica takes over without waiting for the lease to expire.
   */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping.abort();
    this.sleep.wake();
    await Promise.all([this.running, this.watch.stopped()]);
    if (!this.leading) return;
    await this.stepDown('stopped');
    if (this.options.releaseOnStop ?? true) await this.release();
  }

  private async loop(): Promise<void> {
    const stopped = (): boolean => this.stopping.signal.aborted;
    while (!stopped()) {
      const startedAt = this.now();
      if (this.leading) {
        const deadline = this.lastRenewAt + this.renewDeadlineMs;
        const outcome = await this.attempt(deadline - startedAt);
        if (stopped()) return;
        if (outcome === 'ok') {
          this.lastRenewAt = startedAt;
          this.counts.renewals++;
          await this.sleep.for(this.retryPeriodMs);
        } else if (outcome === 'held') {
          void this.stepDown('lost');
        } else if (this.now() >= deadline) {
          void this.stepDown('renew-deadline');
        } else {
          await this.sleep.for(Math.min(this.retryPeriodMs, deadline - this.now()));
        }
        continue;
      }
      const outcome = await this.attempt(this.renewDeadlineMs);
      if (stopped()) return;
      if (outcome === 'ok') {
        this.lastRenewAt = startedAt;
        this.startLeading();
        await this.sleep.for(this.retryPeriodMs);
        continue;
      }
      const jittered = this.retryPeriodMs * (1 + this.random() * LEADER_JITTER_FACTOR);
      // A held lease is tried again the moment it would expire, not a retry period later.
      await this.sleep.for(outcome === 'held' ? Math.min(jittered, Math.max(0, this.expiresInMs()) + 1) : jittered);
    }
  }

  /** One tryAcquireOrRenew bounded by `budgetMs`; errors are reported and count as a failed attempt. */
  private async attempt(budgetMs: number): Promise<Attempt> {
    const timeoutMs = Math.max(1, Math.floor(budgetMs));
    // One controller per attempt, aborted by stop() or by the budget (a leader's budget ends at its renew deadline).
    const controller = new AbortController();
    const onStop = (): void => {
      controller.abort();
    };
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(() => {
      controller.abort();
    }, timeoutMs);
    try {
      return await this.tryAcquireOrRenew(controller.signal, timeoutMs);
    } catch (err) {
      if (this.stopping.signal.aborted) return 'failed';
      // Aborted, but not by stop(): the budget ran out.
      const error = controller.signal.aborted
        ? new Error(`the API server did not answer a request on lease ${this.options.namespace}/${this.options.name} within ${timeoutMs} ms`, { cause: err })
        : err instanceof Error ? err : new Error(String(err));
      this.report(error);
      return 'failed';
    } finally {
      clearTimeout(timer);
      this.stopping.signal.removeEventListener('abort', onStop);
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal, timeoutMs: number): Promise<Attempt> {
    const { namespace, name, identity } = this.options;
    const request = { signal, timeoutMs };
    const nowText = formatMicroTime(new Date());

    // Fast path: the leader updates the lease it last wrote; any failure falls back to reading it.
    if (this.leading && this.own !== undefined && holderOf(this.own) === identity) {
      try {
        this.own = await this.http.json<Lease>('PUT', leasePath(namespace, name), renewed(this.own, nowText), undefined, request);
        this.observe(this.own);
        return 'ok';
      } catch (err) {
        if (isConflict(err)) this.counts.conflicts++;
        else if (signal.aborted) throw err;
        this.log.debug({ err: (err as Error).message }, 'optimistic renewal failed; reading the lease');
      }
    }

    let lease = await this.read(signal, timeoutMs);
    if (lease === undefined) {
      const created: Lease = {
        apiVersion: LEASE_API_VERSION,
        kind: 'Lease',
        metadata: { name, namespace },
        spec: this.record(nowText, nowText, 0),
      };
      try {
        this.own = await this.http.json<Lease>('POST', leaseCollectionPath(namespace), created, undefined, request);
        this.observe(this.own);
        return 'ok';
      } catch (err) {
        if (!isConflict(err)) throw leaseRequestError(err, 'create', namespace, name);
        // Another candidate created it first: read what it wrote.
        this.counts.conflicts++;
        lease = await this.read(signal, timeoutMs);
        if (lease === undefined) return 'failed';
      }
    }

    this.own = lease;
    const holder = holderOf(lease);
    if (holder !== undefined && holder !== identity && this.expiresInMs() > 0) return 'held';
    const spec = lease.spec ?? {};
    const mine = holder === identity;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        ...this.record(mine ? (spec.acquireTime ?? nowText) : nowText, nowText, (spec.leaseTransitions ?? 0) + (mine ? 0 : 1)),
      },
    };
    try {
      this.own = await this.http.json<Lease>('PUT', leasePath(namespace, name), next, undefined, request);
    } catch (err) {
      if (isConflict(err)) {
        this.counts.conflicts++;
        return 'failed';
      }
      throw leaseRequestError(err, 'update', namespace, name);
    }
    this.observe(this.own);
    return 'ok';
  }

  private async read(signal: AbortSignal, timeoutMs: number): Promise<Lease | undefined> {
    const { namespace, name } = this.options;
    try {
      const lease = await this.http.json<Lease>('GET', leasePath(namespace, name), undefined, undefined, { signal, timeoutMs });
      this.observe(lease);
      return lease;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) {
        this.observe(undefined);
        return undefined;
      }
      throw leaseRequestError(err, 'get', namespace, name);
    }
  }

  private record(acquireTime: string, renewTime: string, leaseTransitions: number): LeaseSpec {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.leaseDurationMs / 1000,
      acquireTime,
      renewTime,
      leaseTransitions,
    };
  }

  /** Records a sighting of the lease; its expiry clock restarts only when the record itself changed. */
  private observe(lease: Lease | undefined): void {
    const key = recordKey(lease?.spec);
    this.observed = lease;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = this.now();
    }
    const holder = holderOf(lease);
    if (holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.log.debug({ leader: holder ?? null }, 'lease holder changed');
      this.options.callbacks.onNewLeader?.(holder);
    }
  }

  /** Milliseconds until the observed lease expires for this replica (≤ 0: expired or nobody holds it). */
  private expiresInMs(): number {
    if (holderOf(this.observed) === undefined) return 0;
    const durationMs = (this.observed?.spec?.leaseDurationSeconds ?? 0) * 1000;
    return this.observedAt + durationMs - this.now();
  }

  private onWatched(lease: Lease | undefined): void {
    this.observe(lease);
    const holder = holderOf(lease);
    // A leader that sees another holder checks at once; a candidate tries at once when the lease is free.
    if (this.leading ? holder !== this.options.identity : holder === undefined) this.sleep.wake();
  }

  private startLeading(): void {
    this.leading = true;
    this.term = new AbortController();
    this.log.debug('started leading');
    try {
      this.options.callbacks.onStartedLeading(this.term.signal);
    } catch (err) {
      this.report(err as Error);
    }
  }

  private async stepDown(reason: StepDownReason): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.term?.abort();
    this.term = undefined;
    this.log.debug({ reason }, 'stopped leading');
    try {
      await this.options.callbacks.onStoppedLeading(reason);
    } catch (err) {
      this.report(err as Error);
    }
  }

  /** Clears the holder (duration 1 s) if this replica still holds the lease, as client-go's ReleaseOnCancel does. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    const signal = AbortSignal.timeout(this.renewDeadlineMs);
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const lease = this.own ?? (await this.read(signal, this.renewDeadlineMs));
        if (lease === undefined || holderOf(lease) !== identity) return;
        const nowText = formatMicroTime(new Date());
        const released: Lease = {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: nowText, renewTime: nowText },
        };
        this.own = await this.http.json<Lease>('PUT', leasePath(namespace, name), released, undefined, { signal, timeoutMs: this.renewDeadlineMs });
        this.observe(this.own);
        this.log.debug('lease released');
        return;
      } catch (err) {
        this.own = undefined; // read it again: someone else may have written it
        if (isConflict(err)) {
          this.counts.conflicts++;
          continue;
        }
        this.report(leaseRequestError(err, 'update', namespace, name) as Error);
        return;
      }
    }
  }

  private report(error: Error): void {
    this.counts.errors++;
    this.log.debug({ err: error.message }, 'leader election attempt failed');
    this.options.callbacks.onError?.(error);
  }
}

function renewed(lease: Lease, nowText: string): Lease {
  return { ...lease, spec: { ...lease.spec, renewTime: nowText } };
}

function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409;
}

function validate(options: LeaderElectorOptions, leaseMs: number, renewMs: number, retryMs: number): void {
  const problems: string[] = [];
  if (options.identity.trim() === '') problems.push('the identity must not be empty');
  if (options.name.trim() === '') problems.push('the lease name must not be empty');
  if (options.namespace.trim() === '') problems.push('the lease namespace must not be empty');
  if (!(retryMs > 0)) problems.push(`the retry period must be positive (got ${retryMs} ms)`);
  if (!Number.isInteger(leaseMs / 1000) || leaseMs < 1000) {
    problems.push(`the lease duration must be a whole number of seconds, at least 1 s (got ${leaseMs} ms): a Lease stores seconds`);
  }
  if (!(leaseMs > renewMs)) {
    problems.push(`the lease duration (${leaseMs} ms) must be longer than the renew deadline (${renewMs} ms), or a leader could outlive its lease`);
  }
  if (!(renewMs > LEADER_JITTER_FACTOR * retryMs)) {
    problems.push(`the renew deadline (${renewMs} ms) must be longer than ${LEADER_JITTER_FACTOR} × the retry period (${retryMs} ms)`);
  }
  if (problems.length > 0) throw new LeaderElectionConfigError(`invalid leader election settings: ${problems.join('; ')}`);
}
