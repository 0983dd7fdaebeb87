/**
 * A child process holding many agents: each agent has its own NATS connection and runs the agent's own
 * ScopeFollower and SnapshotApplier (into an in-memory target: no etcd or apisix.yaml writes), and reports each
 * version it handled to the parent, with the bytes and times the follower's hook gives. Ends when the parent
 * disconnects or says so.
 */
import type { Bus } from '@weft/bus';
import { connectBus } from '@weft/bus';
import { ScopeFollower, SnapshotApplier } from '@weft/agent';
import type { ApplyTarget } from '@weft/agent';
import { createLogger } from '@weft/telemetry';
import type { AgentAssignment, ChildReport, CpuCommand, StartCommand } from './protocol.js';
import { wallNow } from './protocol.js';

const buses: Bus[] = [];
const followers: ScopeFollower[] = [];
const logger = createLogger({ component: 'bench-agent', level: 'silent' });

/** Reports go to the parent in batches, one IPC write per turn of the event loop, not one per agent and version. */
let batch: ChildReport[] = [];

function report(message: ChildReport): void {
  if (batch.length === 0) setImmediate(flush);
  batch.push(message);
}

function flush(): void {
  if (batch.length === 0) return;
  const messages = batch;
  batch = [];
  process.send?.(messages);
}

/** The config store of a bench agent: takes every update and keeps nothing (the applier holds the scope). */
const memoryTarget: ApplyTarget = {
  apply: () => Promise.resolve(),
  persist: () => Promise.resolve(),
};

async function follow(command: StartCommand, agent: AgentAssignment): Promise<void> {
  const bus = await connectBus({ servers: command.natsUrl, cluster: command.cluster, name: agent.agent, timeoutMs: 30_000 });
  buses.push(bus);
  const applier = new SnapshotApplier(memoryTarget, { maxSnapshotBytes: command.maxSnapshotBytes });
  const subscribedAt = wallNow();
  const follower = new ScopeFollower({
    bus,
    applier,
    logger,
    onOutcome: (outcome, handled) => {
      if (outcome.type === 'applied') {
        report({
          type: 'applied',
          agent: agent.agent,
          scope: agent.scope,
          version: outcome.meta.version,
          update: handled.reason === 'resync' ? 'resync' : handled.update === 'delta' ? 'delta' : 'full',
          bytes: handled.bytes,
          subscribedAt,
          receivedAt: handled.receivedAt,
          appliedAt: handled.handledAt,
        });
      } else if (outcome.type === 'rejected') {
        report({ type: 'rejected', agent: agent.agent, scope: agent.scope, version: outcome.version, error: outcome.error });
      }
    },
  });
  followers.push(follower);
  await follower.follow(agent.scope);
}

async function start(command: StartCommand): Promise<void> {
  // Connect in small batches: a thousand simultaneous connects only measure the accept queue.
  const batch = 25;
  for (let i = 0; i < command.agents.length; i += batch) {
    await Promise.all(command.agents.slice(i, i + batch).map((a) => follow(command, a)));
  }
  report({ type: 'ready' });
}

async function stop(code: number): Promise<never> {
  flush();
  await Promise.allSettled(followers.map((f) => f.stop()));
  await Promise.allSettled(buses.map((b) => b.close()));
  process.exit(code);
}

process.on('message', (message: StartCommand | CpuCommand | { readonly type: 'stop' }) => {
  if (message.type === 'stop') {
    void stop(0);
    return;
  }
  if (message.type === 'cpu') {
    const cpu = process.cpuUsage();
    report({ type: 'cpu', cpuMs: (cpu.user + cpu.system) / 1000, rssBytes: process.memoryUsage.rss() });
    flush();
    return;
  }
  start(message).catch((err: unknown) => {
    report({ type: 'failed', error: (err as Error).message });
  });
});
// The parent went away (ended or crashed): nothing left to report to.
process.on('disconnect', () => void stop(0));
