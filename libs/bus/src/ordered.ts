import { DeliverPolicy } from '@nats-io/jetstream';
import type { ConsumerMessages, ConsumerNotification, JsMsg, OrderedConsumerOptions } from '@nats-io/jetstream';
import type { Logger } from '@weft/telemetry';
import { Backoff } from './backoff.js';
import type { BusContext } from './context.js';

export interface FollowOptions {
  readonly stream: string;
  readonly filter: string;
  /** Where the next consumer starts; called at each (re)creation, so it resumes after the last message handled. */
  readonly startAt: () => Partial<OrderedConsumerOptions>;
  /**
   * Handles one message; awaited, so messages are handled one at a time in stream order. Returning true stops this
   * consumer and starts a new one from `startAt()` (a rewind).
   */
  readonly onMessage: (m: JsMsg) => unknown;
  /** Awaited before each consumer is created (the first, and every recreation); a throw is retried with backoff. */
  readonly beforeStart?: () => Promise<void>;
  /** Lets the caller stop the current consumer from outside, so the next one starts from `startAt()`. */
  readonly restart?: ConsumerRestart;
  readonly maxMessages: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/**
 * Start of a watch over "latest value per subject" streams (status, assignments): every subject's latest message
 * first, then, after a recreation, the messages after `cursor` (the last stream sequence handled).
 */
export function latestThenAfter(cursor: number): Partial<OrderedConsumerOptions> {
  return cursor === 0
    ? { deliver_policy: DeliverPolicy.LastPerSubject }
    : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: cursor + 1 };
}

// After these, NATS.js 3.4 recreates an ordered consumer itself but keeps the old pull's pending count,
// so the new consumer asks for a message or two and then stalls until the pull expires (30 s). A fresh
// consumer from our own cursor avoids that.
const RECREATE_ON: ReadonlySet<ConsumerNotification['type']> = new Set(['reset', 'consumer_not_found', 'consumer_deleted', 'heartbeats_missed']);

/** A handle to restart a follow's consumer from outside `onMessage` (e.g. a caller asking for a resync). */
export class ConsumerRestart {
  #stop: (() => void) | undefined;
  #pending = false;

  /**
   * Stops the current consumer; the follow then calls `beforeStart` and creates the next. Asked while no consumer
   * runs, it stops the next one as soon as it starts, unless `clear()` comes first.
   */
  request(): void {
    if (this.#stop === undefined) this.#pending = true;
    else this.#stop();
  }

  /** Forgets a request made while no consumer ran (the caller dealt with it before starting the next one). */
  clear(): void {
    this.#pending = false;
  }

  /** @internal followOrdered's hook on the consumer running now. */
  bind(stop: (() => void) | undefined): void {
    this.#stop = stop;
    if (stop !== undefined && this.#pending) {
      this.#pending = false;
      stop();
    }
  }
}

/**
 * Reads a stream subject through an ordered consumer until `signal` aborts, recreating the consumer from
 * `startAt()` whenever it fails, ends or is reset (a nats-server restart, a deleted consumer).
 */
export async function followOrdered(ctx: BusContext, options: FollowOptions): Promise<void> {
  const { log } = options;
  // A function, not `signal.aborted` inline: the compiler would narrow it to false across the awaits.
  const aborted = (): boolean => options.signal.aborted;
  const backoff = new Backoff(100, 2000);
  while (!aborted()) {
    try {
      await options.beforeStart?.();
      if (aborted()) return;
      const consumer = await ctx.js.consumers.get(options.stream, { filter_subjects: options.filter, ...options.startAt() });
      const messages = await consumer.consume({ max_messages: options.maxMessages });
      const recreate = await drain(messages, options, backoff);
      if (aborted()) return;
      if (!recreate) throw new Error('the ordered consumer ended');
      log.debug('recreating the ordered consumer');
    } catch (err) {
      if (aborted()) return;
      log.warn({ err }, 'ordered consumer failed; recreating it');
      await backoff.wait(options.signal);
    }
  }
}

/** Hands every message to `onMessage` until the consumer stops; true when it was stopped to be recreated. */
async function drain(messages: ConsumerMessages, options: FollowOptions, backoff: Backoff): Promise<boolean> {
  const state = { recreate: false };
  const stop = (): void => {
    messages.stop();
  };
  options.signal.addEventListener('abort', stop, { once: true });
  options.restart?.bind(() => {
    state.recreate = true;
    messages.stop();
  });
  void (async () => {
    for await (const n of messages.status()) {
      if (n.type === 'next' || n.type === 'heartbeat') continue;
      options.log.debug({ notification: n }, 'consumer notification');
      if (RECREATE_ON.has(n.type)) {
        state.recreate = true;
        messages.stop();
      }
    }
  })();
  const aborted = (): boolean => options.signal.aborted;
  try {
    if (aborted()) return false;
    for await (const m of messages) {
      backoff.reset();
      if ((await options.onMessage(m)) === true) state.recreate = true;
      if (aborted() || state.recreate) break;
    }
  } finally {
    options.restart?.bind(undefined);
    options.signal.removeEventListener('abort', stop);
    messages.stop();
  }
  return state.recreate;
}
