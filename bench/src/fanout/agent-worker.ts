/**
 * A child process holding many agents: each agent has its own NATS connection and follows its scope with the bus's
 * subscribeScope, hands every version to the agent's real SnapshotApplier (into an in-memory target: no etcd or
 * apisix.yaml writes) and reports each apply to the parent. A delta that does not chain is followed by a read of
 * the full state, as the agent's ScopeFollower does (not exported by @weft/agent). Ends when the parent
 * disconnects or says so.
 */
import type { Bus, ScopeMessage } from '@weft/bus';
import { connectBus } from '@weft/bus';
import { SnapshotApplier } from '@weft/agent';
import type { ApplyOutcome, ApplyTarget } from '@weft/agent';
import type { Snapshot } from '@weft/model';
import type { AgentAssignment, ChildReport, StartCommand } from './protocol.js';
import { wallNow } from './protocol.js';

const buses: Bus[] = [];

function report(message: ChildReport): void {
  process.send?.(message);
}

/** The config store of a bench agent: holds the applied snapshot in memory. */
class MemoryTarget implements ApplyTarget {
  held: Snapshot | undefined;

  apply(snapshot: Snapshot): Promise<void> {
    this.held = snapshot;
    return Promise.resolve();
  }

  persist(): Promise<void> {
    return Promise.resolve();
  }
}

async function handle(bus: Bus, applier: SnapshotApplier, agent: AgentAssignment, message: ScopeMessage, subscribedAt: number): Promise<void> {
  const receivedAt = wallNow();
  const started = performance.now();
  if (message.type === 'refused') {
    const outcome = applier.refused(message.version, message.error);
    report({ type: 'rejected', agent: agent.agent, scope: agent.scope, version: message.version, error: outcome.type === 'rejected' ? outcome.error : message.error.message });
    return;
  }
  let update: 'full' | 'delta' | 'resync' = message.type;
  let outcome: ApplyOutcome =
    message.type === 'full' ? await applier.full(message.meta, message.document, started) : await applier.delta(message.meta, message.document, started);
  let bytes = message.bytes;
  if (outcome.type === 'need-full') {
    const full = await bus.readFullState(agent.scope);
    if (full === undefined) {
      outcome = applier.refused(undefined, new Error(`no full state of ${agent.scope} to resync from (${outcome.reason})`));
    } else {
      update = 'resync';
      bytes += full.bytes;
      outcome = await applier.full(full.meta, full.document, started);
    }
  }
  if (outcome.type === 'applied') {
    report({
      type: 'applied',
      agent: agent.agent,
      scope: agent.scope,
      version: outcome.snapshot.meta.version,
      update,
      bytes,
      subscribedAt,
      receivedAt,
      appliedAt: wallNow(),
    });
  } else {
    const error = outcome.type === 'rejected' ? outcome.error : outcome.reason;
    report({ type: 'rejected', agent: agent.agent, scope: agent.scope, version: message.meta.version, error });
  }
}

async function follow(command: StartCommand, agent: AgentAssignment, baseline: NodeJS.MemoryUsage): Promise<void> {
  const bus = await connectBus({ servers: command.natsUrl, cluster: command.cluster, name: agent.agent, timeoutMs: 30_000 });
  buses.push(bus);
  const target = new MemoryTarget();
  const applier = new SnapshotApplier(target, { maxSnapshotBytes: command.maxSnapshotBytes });
  const subscribedAt = wallNow();
  const subscription = bus.subscribeScope(agent.scope);
  let first = true;
  void (async () => {
    try {
      for await (const message of subscription) {
        await handle(bus, applier, agent, message, subscribedAt);
        if (first && command.reportMemory && applier.served !== undefined) {
          first = false;
          (globalThis as { gc?: () => void }).gc?.();
          const memory = process.memoryUsage();
          report({
            type: 'memory',
            agent: agent.agent,
            rssBytes: memory.rss,
            heapUsedBytes: memory.heapUsed,
            externalBytes: memory.external,
            baselineRssBytes: baseline.rss,
            baselineHeapUsedBytes: baseline.heapUsed,
          });
        }
      }
    } catch (err) {
      report({ type: 'failed', error: `${agent.agent}: ${(err as Error).message}` });
    }
  })();
}

async function start(command: StartCommand): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage();
  // Connect in small batches: a thousand simultaneous connects only measure the accept queue.
  const batch = 25;
  for (let i = 0; i < command.agents.length; i += batch) {
    await Promise.all(command.agents.slice(i, i + batch).map((a) => follow(command, a, baseline)));
  }
  report({ type: 'ready' });
}

async function stop(code: number): Promise<never> {
  await Promise.allSettled(buses.map((b) => b.close()));
  process.exit(code);
}

process.on('message', (message: StartCommand | { readonly type: 'stop' }) => {
  if (message.type === 'stop') {
    void stop(0);
    return;
  }
  start(message).catch((err: unknown) => {
    report({ type: 'failed', error: (err as Error).message });
  });
});
// The parent went away (ended or crashed): nothing left to report to.
process.on('disconnect', () => void stop(0));
