import type { Bus, FullReason, ScopeMessage, ScopeSubscription } from '@weft/bus';
import type { Logger } from '@weft/telemetry';
import type { ApplyOutcome, SnapshotApplier } from './applier.js';
import type { AgentMetrics } from './metrics.js';
import { recordOutcome } from './outcome.js';

/** How one version reached the applier. Times are wall-clock ms (`performance.timeOrigin + performance.now()`). */
export interface HandledVersion {
  readonly scope: string;
  readonly update: 'full' | 'delta' | 'refused';
  /** Why a full state came (initial, behind, reset, resync…); undefined for the others. */
  readonly reason: FullReason | undefined;
  /** Bytes received for it (compressed, all chunks). */
  readonly bytes: number;
  /** When the follower took it from the subscription (it may have waited there behind earlier versions). */
  readonly receivedAt: number;
  /** When the applier was done with it. */
  readonly handledAt: number;
}

export interface ScopeFollowerOptions {
  readonly bus: Bus;
  readonly applier: SnapshotApplier;
  readonly logger: Logger;
  /** The agent's metrics; left out where many followers share a process (the fan-out benchmark). */
  readonly metrics?: AgentMetrics;
  /** After each version handled (applied or not). */
  readonly onOutcome?: (outcome: ApplyOutcome, handled: HandledVersion) => void;
}

/**
 * Follows one scope at a time: every version to the applier, in order; `follow` switches scope. A delta the applier
 * cannot use (it does not chain, or its result is not the published content) makes the subscription resync: the
 * latest checkpoint comes next, then the deltas after it.
 */
export class ScopeFollower {
  readonly #options: ScopeFollowerOptions;
  #subscription: ScopeSubscription | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: ScopeFollowerOptions) {
    this.#options = options;
  }

  /** Stops following the current scope (if any) and follows `scope`, resuming from the version held for it. */
  async follow(scope: string): Promise<void> {
    await this.stop();
    const fromVersion = this.#options.applier.chainVersion(scope);
    // Full states and deltas as text: the applier takes them apart per resource, without encoding them again.
    const asText = { fullAsText: true, deltasAsText: true };
    const subscription = this.#options.bus.subscribeScope(scope, fromVersion === undefined ? asText : { fromVersion, ...asText });
    this.#options.logger.info({ scope, fromVersion }, 'following scope');
    this.#subscription = subscription;
    this.#loop = this.#run(subscription);
  }

  async stop(): Promise<void> {
    await this.#subscription?.close();
    await this.#loop;
    this.#subscription = undefined;
    this.#loop = undefined;
  }

  async #run(subscription: ScopeSubscription): Promise<void> {
    for await (const message of subscription) {
      try {
        await this.#handle(subscription, message);
      } catch (err) {
        this.#options.logger.error({ err, scope: subscription.scope }, 'handling a version failed');
      }
    }
  }

  async #handle(subscription: ScopeSubscription, message: ScopeMessage): Promise<void> {
    const { applier, metrics, logger } = this.#options;
    const { scope } = subscription;
    const receivedAt = performance.now();
    let outcome: ApplyOutcome;
    if (message.type === 'full') {
      metrics?.updates.inc({ type: 'full', reason: message.reason });
      outcome = await applier.full(message.meta, message.document, receivedAt);
    } else if (message.type === 'delta') {
      metrics?.updates.inc({ type: 'delta', reason: '' });
      outcome = await applier.delta(message.meta, message.document, receivedAt);
      if (outcome.type === 'need-full') {
        logger.warn({ scope, version: message.meta.version, reason: outcome.reason }, 'delta not applicable; reading the full state');
        subscription.resync();
      }
    } else {
      outcome = applier.refused(message.version, message.error);
    }
    recordOutcome(outcome, metrics, logger, { scope, update: message.type });
    this.#options.onOutcome?.(outcome, {
      scope,
      update: message.type,
      reason: message.type === 'full' ? message.reason : undefined,
      bytes: message.type === 'refused' ? 0 : message.bytes,
      receivedAt: performance.timeOrigin + receivedAt,
      handledAt: performance.timeOrigin + performance.now(),
    });
  }
}
