/**
 * A child process holding many agents. Each does what a deployed agent does for every version, with the agent's own
 * parts: its own NATS connection, ScopeFollower and SnapshotApplier serving its namespace's client view into its own
 * ServingStores (the etcd v3 store and API on a loopback port, the applied state kept in its own state folder), a
 * StatusReporter publishing its status after each version, and an info log line per version (to /dev/null). The
 * agents of one process share one metrics registry. Each version handled is reported to the parent with the bytes
 * and times the follower's hook gives. Ends when the parent disconnects or says so.
 */
import { openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentStatus, Bus } from '@weft/bus';
import { connectBus } from '@weft/bus';
import { agentConfig, clientViewOf, createAgentMetrics, ScopeFollower, ServingStores, SnapshotApplier, StatusReporter } from '@weft/agent';
import { createLogger, createMetricsRegistry, parseConfig } from '@weft/telemetry';
import type { AgentAssignment, ChildReport, CpuCommand, ProfileCommand, StartCommand } from './protocol.js';
import { wallNow } from './protocol.js';
import { startProfile, stopProfile } from './worker-profiler.js';

/** The agent's defaults, e.g. --status-interval and --status-delay. */
const defaults = parseConfig(agentConfig, [], {});

const buses: Bus[] = [];
const followers: ScopeFollower[] = [];
const stores: ServingStores[] = [];
const stopping = new AbortController();
// Info level, as an agent runs by default; the lines go nowhere, their cost stays. Written straight to the file
// descriptor, one write per line, as the deployed agent's pino writes stdout (sonic-boom: fd writes, no Node stream);
// a Node WriteStream's per-line buffering and callbacks cost more than the line itself.
const devNull = openSync('/dev/null', 'w');
const syncDevNull = {
  write(line: string): boolean {
    writeSync(devNull, line);
    return true;
  },
} as unknown as NodeJS.WritableStream;
const logger = createLogger({ component: 'agent', level: 'info', destination: syncDevNull });
const metrics = createAgentMetrics(createMetricsRegistry({ component: 'agent' }));

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

async function follow(command: StartCommand, agent: AgentAssignment): Promise<void> {
  const log = logger.child({ agent: agent.agent });
  const bus = await connectBus({ servers: command.natsUrl, cluster: command.cluster, name: agent.agent, timeoutMs: 30_000 });
  buses.push(bus);
  const opened = await ServingStores.open({
    mode: 'etcd',
    etcdHost: '127.0.0.1',
    etcdPort: 0,
    apisixYaml: '',
    stateDir: join(command.stateRoot, agent.agent),
    maxSnapshotBytes: command.maxSnapshotBytes,
    keepLastApplied: true,
    logger: log,
  });
  stores.push(opened.stores);
  const clientView = clientViewOf(agent.namespace);
  const applier = new SnapshotApplier(opened.stores, { maxSnapshotBytes: command.maxSnapshotBytes, ...(clientView === undefined ? {} : { storeEntry: clientView }) });
  const reporter = new StatusReporter({
    current: (): AgentStatus => ({
      agent: agent.agent,
      scope: agent.scope,
      appliedVersion: applier.served?.version ?? null,
      hash: applier.served?.hash ?? null,
      applyLatencyMs: applier.lastDurationMs,
      lastError: applier.lastError,
      at: new Date().toISOString(),
    }),
    send: async (status) => {
      await bus.reportStatus(status);
      report({ type: 'reported', agent: agent.agent, version: status.appliedVersion, at: wallNow() });
    },
    intervalMs: defaults.statusInterval,
    delayMs: defaults.statusDelay,
    onResult: (ok) => {
      metrics.statusReports.inc({ result: ok ? 'ok' : 'failed' });
    },
    logger: log,
  });
  void reporter.run(stopping.signal);
  const subscribedAt = wallNow();
  const follower = new ScopeFollower({
    bus,
    applier,
    logger: log,
    metrics,
    onOutcome: (outcome, handled) => {
      reporter.trigger();
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
          appliedAt: handled.receivedAt + outcome.durationMs,
          handledAt: handled.handledAt,
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
  stopping.abort();
  await Promise.allSettled(followers.map((f) => f.stop()));
  await Promise.allSettled(buses.map((b) => b.close()));
  await Promise.allSettled(stores.map((s) => s.close()));
  process.exit(code);
}

process.on('message', (message: StartCommand | CpuCommand | ProfileCommand | { readonly type: 'stop' }) => {
  if (message.type === 'stop') {
    void stop(0);
    return;
  }
  if (message.type === 'profile-start' || message.type === 'profile-stop') {
    const done = message.type === 'profile-start' ? startProfile().then(() => undefined) : stopProfile(message.path);
    done.then(
      (path) => {
        report({ type: 'profile', path });
        flush();
      },
      (err: unknown) => {
        report({ type: 'failed', error: `profiler: ${(err as Error).message}` });
      },
    );
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
