// The assignment step of a control-plane pass against a real nats-server: how long the first pass of a new leader
// takes to store workload → scope assignments for N pods, on an empty stream (a new cluster) and on a stream that
// already holds them all (a takeover), with each assignment read and written one at a time (the pipeline without
// the table) and with one read of the whole table and a window of writes.
//   npx tsx --conditions=development bench/src/fanout/assignments.ts [--pods 20000]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { connectBus } from '@weft/bus';
import type { Bus } from '@weft/bus';
import { createControlPlaneMetrics, MeshPipeline } from '@weft/control-plane';
import type { MeshPublisher } from '@weft/control-plane';
import type { ObjectSet } from '@weft/k8s';
import { emptyApisixResources } from '@weft/model';
import type { MeshConfig } from '@weft/model';
import { createLogger, createMetricsRegistry } from '@weft/telemetry';
import { startBenchNats } from './nats.js';

const { values } = parseArgs({ options: { pods: { type: 'string', default: '20000' } } });
const pods = Number(values.pods);

const workloads: Record<string, string> = {};
for (let i = 0; i < pods; i++) workloads[`shop/web-${String(i).padStart(6, '0')}`] = 'mesh-bench';
const mesh: MeshConfig = { scopes: { 'mesh-bench': emptyApisixResources() }, workloads, routeStatuses: [], authorizationStatuses: [], diagnostics: [] };
const set: ObjectSet = { objects: [], reasons: ['bench'], problems: [], waitedMs: 0 };

function publisherOf(bus: Bus, table: boolean): MeshPublisher {
  const publisher = bus.createPublisher();
  return {
    publishScope: (scope, full, delta) => publisher.publishScope(scope, full, delta),
    publishAssignment: (agent, scope) => bus.publishAssignment(agent, scope),
    deleteAssignment: (agent) => bus.deleteAssignment(agent),
    ...(table ? { readAssignments: () => bus.readAssignments(), storeAssignment: (agent: string, scope: string) => bus.storeAssignment(agent, scope) } : {}),
  };
}

/** One leader's first pass: ms until its assignments are stored. */
async function firstPass(bus: Bus, table: boolean): Promise<number> {
  const pipeline = new MeshPipeline({
    log: createLogger({ component: 'bench-assignments', level: 'warn', destination: process.stderr }),
    metrics: createControlPlaneMetrics(createMetricsRegistry()),
    clusterDomain: 'cluster.local',
    translate: () => mesh,
    publisher: publisherOf(bus, table),
    trustBundle: () => [],
  });
  const started = performance.now();
  await pipeline.apply(set);
  return performance.now() - started;
}

async function main(): Promise<void> {
  await using nats = await startBenchNats();
  const rows: { path: string; emptyStreamMs: number; takeoverMs: number }[] = [];
  for (const [path, table] of [['one read + write per pod', false], ['table + window of writes', true]] as const) {
    await using bus = await connectBus({ servers: nats.url, cluster: table ? 'table' : 'serial' });
    await bus.ensureStreams();
    const emptyStreamMs = await firstPass(bus, table);
    const stored = await bus.readAssignments();
    if (stored.size !== pods) throw new Error(`${path}: ${stored.size} assignments stored, not ${pods}`);
    const takeoverMs = await firstPass(bus, table);
    rows.push({ path, emptyStreamMs: Math.round(emptyStreamMs), takeoverMs: Math.round(takeoverMs) });
  }
  console.log(JSON.stringify({ benchmark: 'assignments', pods, rows }));
  console.log(`\n${pods} pods, one scope: a new leader's first pass (ms)`);
  console.log('path                        empty stream   takeover');
  for (const r of rows) console.log(`${r.path.padEnd(28)}${String(r.emptyStreamMs).padStart(12)}${String(r.takeoverMs).padStart(11)}`);
}

await main();
