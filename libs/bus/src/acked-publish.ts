/**
 * JetStream publishes whose acks come back on one subscription per connection, matched by reply subject. What
 * `js.publish` does (publish with a reply subject, wait for the stream's PubAck, fail on an error, a timeout or no
 * responders), without its per-message request machinery: NATS.js builds a RequestError and a TimeoutError (each
 * capturing a stack) and a timer for every request, which was a tenth of an agent's CPU per applied version.
 */
import { createInbox } from '@nats-io/transport-node';
import type { MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import { PublishError } from './errors.js';

interface Pending {
  readonly subject: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly deadline: number;
}

/** How often pending acks are checked for their deadline: one timer per connection, not one per message. */
const SWEEP_MS = 250;

export class AckedPublisher {
  readonly #nc: NatsConnection;
  readonly #inboxPrefix: string | undefined;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  #inbox: string | undefined;
  #sub: Subscription | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #next = 0;
  #watching = false;

  constructor(nc: NatsConnection, options: { readonly inboxPrefix?: string | undefined; readonly timeoutMs: number }) {
    this.#nc = nc;
    this.#inboxPrefix = options.inboxPrefix;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Resolves once the stream has stored the message; rejects with PublishError otherwise. */
  publish(subject: string, payload: string, headers: MsgHdrs): Promise<void> {
    const inbox = this.#listen();
    const token = String(++this.#next);
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(token, { subject, resolve, reject, deadline: performance.now() + this.#timeoutMs });
      this.#sweep ??= setInterval(() => {
        this.#expire();
      }, SWEEP_MS);
      try {
        this.#nc.publish(subject, payload, { reply: `${inbox}${token}`, headers });
      } catch (err) {
        this.#settle(token, new PublishError(`publish to ${subject} failed: ${(err as Error).message}`, { cause: err }));
      }
    });
  }

  /**
   * The reply inbox, subscribed once (NATS.js subscribes it again after a reconnect); and the connection's errors
   * watched, so a publish the server refuses (a permissions violation, reported on its own, not as a reply) fails at
   * once with the server's words, as a request does.
   */
  #listen(): string {
    if (this.#inbox !== undefined) return this.#inbox;
    if (!this.#watching) {
      this.#watching = true;
      void this.#watchErrors();
    }
    const inbox = `${createInbox(this.#inboxPrefix)}.`;
    this.#sub = this.#nc.subscribe(`${inbox}*`, {
      callback: (err, msg) => {
        if (err !== null) {
          // The inbox itself refused: fail what waits on it; the next publish subscribes again.
          this.#sub = undefined;
          this.#inbox = undefined;
          for (const token of [...this.#pending.keys()]) this.#settle(token, new PublishError(`publish acks cannot be received: ${err.message}`, { cause: err }));
          return;
        }
        const token = msg.subject.slice(inbox.length);
        if (msg.headers?.hasError === true) {
          // 503: no stream listens on the subject (JetStream down or the stream missing).
          this.#settle(token, new PublishError(`no stream stored the message (${String(msg.headers.code)} ${msg.headers.description})`));
          return;
        }
        let ack: { readonly stream?: unknown; readonly error?: { readonly description?: unknown } };
        try {
          ack = msg.json();
        } catch {
          this.#settle(token, new PublishError('unreadable publish ack'));
          return;
        }
        if (ack.error !== undefined) this.#settle(token, new PublishError(`stream refused the message: ${String(ack.error.description)}`));
        else if (typeof ack.stream !== 'string' || ack.stream === '') this.#settle(token, new PublishError('invalid publish ack'));
        else this.#settle(token);
      },
    });
    this.#inbox = inbox;
    return inbox;
  }

  async #watchErrors(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type !== 'error') continue;
      const err = status.error as Error & { readonly operation?: unknown; readonly subject?: unknown };
      if (err.name !== 'PermissionViolationError' || err.operation !== 'publish') continue;
      for (const [token, pending] of this.#pending) {
        if (pending.subject === err.subject) this.#settle(token, new PublishError(err.message, { cause: err }));
      }
    }
  }

  #settle(token: string, err?: Error): void {
    const pending = this.#pending.get(token);
    if (pending === undefined) return;
    this.#pending.delete(token);
    if (err === undefined) pending.resolve();
    else pending.reject(err);
    if (this.#pending.size === 0 && this.#sweep !== undefined) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  #expire(): void {
    const now = performance.now();
    for (const [token, pending] of this.#pending) {
      if (pending.deadline <= now) this.#settle(token, new PublishError(`no publish ack within ${this.#timeoutMs} ms`));
    }
  }

  /** Fails what is pending and stops listening. */
  close(): void {
    for (const token of [...this.#pending.keys()]) this.#settle(token, new PublishError('the bus closed'));
    this.#sub?.unsubscribe();
    this.#sub = undefined;
    this.#inbox = undefined;
  }
}
