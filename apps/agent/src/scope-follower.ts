import type { Bus, ScopeMessage, ScopeSubscription } from '@weft/bus';
import type { Logger } from '@weft/telemetry';
import type { ApplyOutcome, SnapshotApplier } from './applier.js';
import type { AgentMetrics } from './metrics.js';
import { recordOutcome } from './outcome.js';

export interface ScopeFollowerOptions {
  readonly bus: Bus;
  readonly applier: SnapshotApplier;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
  /** After each version handled (applied or not). */
  readonly onOutcome: (outcome: ApplyOutcome) => void;
}

/** Follows one scope at a time: every version to the applier, in order; `follow` switches scope. */
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
    const subscription = this.#options.bus.subscribeScope(scope, fromVersion === undefined ? {} : { fromVersion });
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
        await this.#handle(subscription.scope, message, performance.now());
      } catch (err) {
        this.#options.logger.error({ err, scope: subscription.scope }, 'handling a version failed');
      }
    }
  }

  async #handle(scope: string, message: ScopeMessage, receivedAt: number): Promise<void> {
    const { applier, metrics, logger } = this.#options;
    let outcome: ApplyOutcome;
    if (message.type === 'full') {
      metrics.updates.inc({ type: 'full', reason: message.reason });
      outcome = await applier.full(message.meta, message.document, receivedAt);
    } else if (message.type === 'delta') {
      metrics.updates.inc({ type: 'delta', reason: '' });
      outcome = await applier.delta(message.meta, message.document, receivedAt);
      if (outcome.type === 'need-full') {
        logger.warn({ scope, version: message.meta.version, reason: outcome.reason }, 'delta not applicable; reading the full state');
        outcome = await this.#resync(scope, receivedAt);
      }
    } else {
      outcome = applier.refused(message.version, message.error);
    }
    recordOutcome(outcome, metrics, logger, { scope, update: message.type });
    this.#options.onOutcome(outcome);
  }

  async #resync(scope: string, receivedAt: number): Promise<ApplyOutcome> {
    const { applier, metrics, bus } = this.#options;
    try {
      const full = await bus.readFullState(scope);
      if (full === undefined) return applier.refused(undefined, new Error(`no full state of scope ${scope} to resync from`));
      metrics.updates.inc({ type: 'full', reason: 'resync' });
      return await applier.full(full.meta, full.document, receivedAt);
    } catch (err) {
      return applier.refused(undefined, err as Error);
    }
  }
}
