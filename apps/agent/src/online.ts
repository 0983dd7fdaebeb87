import { setTimeout as sleep } from 'node:timers/promises';
import { connectBus, ConnectError } from '@weft/bus';
import type { AgentStatus, Bus } from '@weft/bus';
import type { Logger } from '@weft/telemetry';
import type { SnapshotApplier } from './applier.js';
import type { AgentConfig } from './config.js';
import type { SvidSource } from './identity/svid-source.js';
import type { AgentMetrics } from './metrics.js';
import { natsIdentityOptions } from './nats-identity.js';
import { ScopeFollower } from './scope-follower.js';
import { StatusReporter } from './status-reporter.js';

export interface OnlineOptions {
  readonly config: AgentConfig;
  readonly agentId: string;
  readonly applier: SnapshotApplier;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
  /** Aborted on SIGTERM/SIGINT: everything below winds down. */
  readonly signal: AbortSignal;
  /** Why the SVID cannot be obtained or rotated, reported in the status when nothing else went wrong. */
  readonly identityError?: () => string | null;
  /** The agent's SVID, presented to NATS with --nats-client-svid. */
  readonly svids?: SvidSource;
  /** After each full state handled (the first, a resync). */
  readonly onFullState?: () => void;
}

/** Waits for the first SVID (NATS refuses a connection without it); false when `signal` aborts first. */
async function svidReady(svids: SvidSource, signal: AbortSignal): Promise<boolean> {
  if (svids.current !== undefined) return true;
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      resolve(ready);
    };
    const onAbort = (): void => {
      done(false);
    };
    const unsubscribe = svids.onSvid(() => {
      done(true);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Connects to NATS, retrying with growing pauses until it answers; undefined when `signal` aborts first. */
async function connectWithRetry(options: OnlineOptions): Promise<Bus | undefined> {
  const { config, logger, signal } = options;
  if (config.natsClientSvid && options.svids !== undefined && !(await svidReady(options.svids, signal))) return undefined;
  const identity = await natsIdentityOptions(config, options.svids);
  let waitMs = 250;
  while (!signal.aborted) {
    try {
      return await connectBus({
        servers: config.natsUrl.split(',').map((s) => s.trim()),
        cluster: config.clusterId,
        name: options.agentId,
        logger: logger.child({ part: 'bus' }),
        reconnectWaitMs: 250,
        ...identity,
      });
    } catch (err) {
      if (!(err instanceof ConnectError)) throw err;
      logger.warn({ natsUrl: config.natsUrl, err: err.message, retryInMs: waitMs }, 'waiting for NATS; serving the last applied snapshot meanwhile');
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
      waitMs = Math.min(waitMs * 2, 5_000);
    }
  }
  return undefined;
}

/**
 * The online mode: connect (forever), learn the scope from the assignment, follow it, report status after each
 * version, every interval and after a reconnect. Returns once `signal` aborts and everything is closed.
 */
export async function runOnline(options: OnlineOptions): Promise<void> {
  const { applier, metrics, logger, signal, agentId } = options;
  const bus = await connectWithRetry(options);
  if (bus === undefined) return;
  metrics.natsConnected.set(1);
  let scope: string | undefined;
  const stopping = new AbortController();
  const reporter = new StatusReporter({
    current: (): AgentStatus | undefined => {
      const served = applier.served;
      const current = scope ?? served?.scope;
      if (current === undefined) return undefined;
      return {
        agent: agentId,
        scope: current,
        appliedVersion: served?.version ?? null,
        hash: served?.hash ?? null,
        applyLatencyMs: applier.lastDurationMs,
        lastError: applier.lastError ?? options.identityError?.() ?? null,
        at: new Date().toISOString(),
      };
    },
    send: (status) => bus.reportStatus(status),
    intervalMs: options.config.statusInterval,
    delayMs: options.config.statusDelay,
    onResult: (ok) => {
      metrics.statusReports.inc({ result: ok ? 'ok' : 'failed' });
    },
    logger,
  });
  const reporting = reporter.run(stopping.signal);
  void (async () => {
    for await (const event of bus.connectionEvents()) {
      if (event.type === 'disconnected') metrics.natsConnected.set(0);
      if (event.type === 'reconnected') {
        metrics.natsConnected.set(1);
        reporter.trigger();
      }
    }
  })();
  const follower = new ScopeFollower({
    bus,
    applier,
    metrics,
    logger,
    onOutcome: (_outcome, handled) => {
      reporter.trigger();
      if (handled.update === 'full') options.onFullState?.();
    },
  });
  const assignments = bus.watchAssignment(agentId);
  const onAbort = (): void => void assignments.close();
  signal.addEventListener('abort', onAbort, { once: true });
  logger.info({ agent: agentId }, 'waiting for the scope assignment');
  try {
    for await (const assigned of assignments) {
      if (assigned === scope) continue;
      logger.info({ agent: agentId, from: scope, to: assigned }, 'scope assigned');
      scope = assigned;
      reporter.trigger();
      await follower.follow(assigned);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await follower.stop();
    stopping.abort();
    await reporting;
    await bus.close();
    metrics.natsConnected.set(0);
  }
}
