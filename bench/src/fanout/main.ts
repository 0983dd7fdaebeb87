/**
 * bench:fanout — a real nats-server, the control plane's publishing path and agents following their scopes in child
 * processes. Measures a route edit until every agent applied it, the bytes of a single-endpoint change, one agent's
 * RSS and full resync on the full-size mesh. Prints JSON, then a table against the targets.
 *
 *   npx tsx --conditions=development bench/src/fanout/main.ts [--agents 1000] [--processes 4] [--services 10000]
 *     [--fanout-services 500] [--route-changes 2] [--timeout-s 600]
 */
import { availableParallelism } from 'node:os';
import type { Bus } from '@weft/bus';
import { connectBus } from '@weft/bus';
import { runFanout } from './fanout.js';
import { startBenchNats } from './nats.js';
import type { BenchNats } from './nats.js';
import { parseOptions } from './options.js';
import { estimate, hints, table } from './report.js';
import type { BenchResult } from './report.js';
import { runSingleAgent } from './single-agent.js';

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
    const fanout = await runFanout(fanoutBus, nats.url, options, log);
    const singleBus = await connect(nats, 'single');
    buses.push(singleBus);
    const singleAgent = await runSingleAgent(singleBus, nats.url, options, log);
    const partial = { command: `bench/src/fanout/main.ts ${process.argv.slice(2).join(' ')}`.trim(), machine: { cpus: availableParallelism() }, fanout, singleAgent };
    const result: BenchResult = { ...partial, estimateAtFullSize: estimate(fanout, singleAgent) };
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
