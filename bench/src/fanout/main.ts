/**
 * bench:fanout — a real nats-server, the control plane's publishing path and agents following their scopes in child
 * processes (the agent's own ScopeFollower and SnapshotApplier). Measures a route edit until every agent applied it,
 * with the split of where the time and CPU go, and the bytes of a single-endpoint change; then, on the full-size
 * mesh with every scope published, the agent as deployed (its build on plain Node): RSS, full resync and changes.
 * Prints JSON, then a table against the targets.
 *
 *   npx tsx --conditions=development bench/src/fanout/main.ts [--agents 1000] [--processes 4] [--services 10000]
 *     [--fanout-services 500] [--warmup-changes 3] [--route-changes 3] [--timeout-s 600]
 *     [--profile-dir DIR] (CPU profiles of the agent processes over the route edits: see profile-summary.ts)
 *     [--only fanout] (skip the agent build and the single-agent measures)
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Bus } from '@weft/bus';
import { connectBus } from '@weft/bus';
import { buildAgent } from './built-agent.js';
import { runFanout } from './fanout.js';
import { startBenchNats } from './nats.js';
import type { BenchNats } from './nats.js';
import { parseOptions } from './options.js';
import { hints, table } from './report.js';
import type { BenchResult } from './report.js';
import { runSingleAgent } from './single-agent.js';
import { round } from './stats.js';

function log(line: string): void {
  console.error(`[fanout ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

async function connect(nats: BenchNats, cluster: string): Promise<Bus> {
  const bus = await connectBus({ servers: nats.url, cluster, name: `bench-${cluster}-publisher`, timeoutMs: 30_000 });
  await bus.ensureStreams();
  return bus;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  log(`options ${JSON.stringify(options)}`);
  // The single-agent measures run the agent as deployed: its build output on plain Node.
  if (options.only === undefined) buildAgent(log);
  const loadAverageStart = round(loadavg()[0] ?? 0);
  const nats = await startBenchNats();
  // Children end on their own when this process goes (IPC disconnect); nats-server needs stopping.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping nats-server`);
    void nats.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const buses: Bus[] = [];
  try {
    const fanoutBus = await connect(nats, 'fanout');
    buses.push(fanoutBus);
    const fanout = await runFanout(fanoutBus, nats, options, log);
    let singleAgent;
    if (options.only === undefined) {
      const singleBus = await connect(nats, 'single');
      buses.push(singleBus);
      singleAgent = await runSingleAgent(singleBus, nats.url, options, log);
    }
    const result: BenchResult = {
      command: `bench/src/fanout/main.ts ${process.argv.slice(2).join(' ')}`.trim(),
      machine: { cpus: availableParallelism(), loadAverageStart, loadAverageEnd: round(loadavg()[0] ?? 0) },
      fanout,
      singleAgent,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(`\n${table(result)}\n`);
    for (const line of hints(result)) console.log(`- ${line}`);
  } finally {
    await Promise.allSettled(buses.map((b) => b.close()));
    await nats.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
