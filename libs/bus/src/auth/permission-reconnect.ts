import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@weft/telemetry';

export interface PermissionReconnectOptions {
  /** First pause before reconnecting (default 500 ms); doubles while violations keep coming, up to `maxMs`. */
  readonly initialMs?: number;
  /** Longest pause (default 30 s). */
  readonly maxMs?: number;
  /** A violation this long after the last forced reconnect starts again from `initialMs` (default 60 s). */
  readonly resetAfterMs?: number;
}

function isPermissionViolation(err: Error): boolean {
  return err.name === 'PermissionViolationError' || /permissions violation/i.test(err.message);
}

/**
 * Reconnects after a permissions violation, with a growing pause: a connection's permissions are fixed when it
 * connects (the auth callout computed them), so when the control plane has since granted more (a new scope
 * assignment, a new pod of the identity) only a new connection gets them. Requests refused meanwhile are retried by
 * their owners (subscriptions and watches back off and try again); the reconnect itself is NATS.js's, which
 * restores subscriptions. Stops when the connection closes.
 */
export function reconnectOnPermissionViolation(nc: NatsConnection, log: Logger, options: PermissionReconnectOptions = {}): void {
  const initialMs = options.initialMs ?? 500;
  const maxMs = options.maxMs ?? 30_000;
  const resetAfterMs = options.resetAfterMs ?? 60_000;
  let pauseMs = initialMs;
  let lastForcedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (subject: string): void => {
    if (timer !== undefined) return;
    if (Date.now() - lastForcedAt > resetAfterMs) pauseMs = initialMs;
    const waitMs = pauseMs;
    pauseMs = Math.min(pauseMs * 2, maxMs);
    log.warn({ subject, reconnectInMs: waitMs }, 'NATS refused a subject; reconnecting to get the current permissions');
    timer = setTimeout(() => {
      timer = undefined;
      lastForcedAt = Date.now();
      if (nc.isClosed() || nc.isDraining()) return;
      nc.reconnect().catch((err: unknown) => {
        log.debug({ err: (err as Error).message }, 'forced reconnect not possible');
      });
    }, waitMs);
    timer.unref();
  };
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error' && isPermissionViolation(s.error)) {
        const subject = (s.error as Error & { subject?: string }).subject ?? '';
        schedule(subject);
      }
    }
    clearTimeout(timer);
  })();
}
