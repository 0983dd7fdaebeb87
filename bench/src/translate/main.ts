/**
 * bench:translate — the issue's synthetic mesh as plain Kubernetes objects, through the production path:
 * buildWorldState (@weft/k8s) then translate (@weft/translate). Measures a full translation, and a rebuild plus
 * retranslation after one EndpointSlice change and after one HTTPRoute edit on a warm translator.
 * Prints JSON, then a table. Run with --expose-gc for a live-heap figure.
 */
import type { ApisixResources, MeshConfig, WorldState } from '@weft/model';
import { APISIX_KINDS } from '@weft/model';
import { buildWorldState } from '@weft/k8s';
import { createTranslator } from '@weft/translate';
import { endpointSlice, ISSUE_SHAPE, syntheticMesh } from './synthetic-objects.js';

const FULL_RUNS = 3;
const CHANGE_RUNS = 25;
const ROUTE_RUNS = 10;

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

function summary(values: readonly number[]): { median: number; p95: number; max: number } {
  return { median: round(percentile(values, 0.5)), p95: round(percentile(values, 0.95)), max: round(Math.max(...values)) };
}

/** Resources that are not the very same object as before (by id), summed over scopes. */
function changedResources(before: MeshConfig, after: MeshConfig): { changed: number; scopesTouched: number } {
  let changed = 0;
  let scopesTouched = 0;
  for (const [scope, resources] of Object.entries(after.scopes)) {
    const old: ApisixResources | undefined = before.scopes[scope];
    if (old === resources) continue;
    scopesTouched++;
    for (const kind of APISIX_KINDS) {
      const previous = new Map<string, unknown>(old?.[kind].map((r) => [r.id, r]) ?? []);
      for (const r of resources[kind]) if (previous.get(r.id) !== r) changed++;
    }
  }
  return { changed, scopesTouched };
}

function main(): void {
  const mesh = syntheticMesh(ISSUE_SHAPE);
  const objects = mesh.objects.slice();
  let start = process.hrtime.bigint();
  const built = buildWorldState(objects);
  const worldBuildMs = ms(start);
  if (built.diagnostics.length > 0) throw new Error(`synthetic mesh is malformed: ${JSON.stringify(built.diagnostics[0])}`);
  let world: WorldState = built.world;
  const endpoints = [...world.endpointSlices.values()].reduce((n, s) => n + s.reduce((m, x) => m + x.endpoints.length, 0), 0);

  const fullMs: number[] = [];
  let translator = createTranslator();
  let config: MeshConfig | undefined;
  for (let i = 0; i < FULL_RUNS; i++) {
    translator = createTranslator();
    start = process.hrtime.bigint();
    config = translator.translate(world);
    fullMs.push(ms(start));
  }
  if (config === undefined) throw new Error('no config');

  // One EndpointSlice changes (an endpoint turns unready, as in a rolling update).
  const rebuildMs: number[] = [];
  const sliceMs: number[] = [];
  const diffs: number[] = [];
  let scopesTouched = 0;
  let previous = translator.translate(world);
  for (let i = 0; i < CHANGE_RUNS; i++) {
    const s = mesh.slices[(i * 7919) % mesh.slices.length];
    if (s === undefined) continue;
    objects[s.index] = endpointSlice(s.ns, s.svc, s.firstAddress, ISSUE_SHAPE.endpointsPerService, ~(1 << (i % 5)));
    start = process.hrtime.bigint();
    world = buildWorldState(objects, { previous: world }).world;
    rebuildMs.push(ms(start));
    start = process.hrtime.bigint();
    const next = translator.translate(world);
    sliceMs.push(ms(start));
    const diff = changedResources(previous, next);
    diffs.push(diff.changed);
    scopesTouched = diff.scopesTouched;
    previous = next;
  }

  // One HTTPRoute edited (a new object with a bumped generation).
  const routeMs: number[] = [];
  for (let i = 0; i < ROUTE_RUNS; i++) {
    const index = mesh.routeIndexes[(i * 389) % mesh.routeIndexes.length] ?? 0;
    const old = objects[index] as { metadata: { generation: number } };
    objects[index] = { ...old, metadata: { ...old.metadata, generation: old.metadata.generation + 1 } };
    world = buildWorldState(objects, { previous: world }).world;
    start = process.hrtime.bigint();
    translator.translate(world);
    routeMs.push(ms(start));
  }

  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  const scopes = Object.values(config.scopes);
  const result = {
    shape: { ...ISSUE_SHAPE, objects: objects.length, services: world.services.size, endpoints, pods: world.pods.size, httpRoutes: world.httpRoutes.size },
    output: {
      scopes: scopes.length,
      workloads: Object.keys(config.workloads).length,
      routesPerScope: scopes[0]?.routes.length ?? 0,
      upstreamsPerScope: scopes[0]?.upstreams.length ?? 0,
      routeStatuses: config.routeStatuses.length,
    },
    worldBuildMs: round(worldBuildMs),
    fullTranslateMs: { cold: round(fullMs[0] ?? 0), warm: round(Math.min(...fullMs)), runs: fullMs.map(round) },
    oneSliceChange: {
      worldRebuildMs: summary(rebuildMs),
      retranslateMs: summary(sliceMs),
      changedResources: { median: percentile(diffs, 0.5), max: Math.max(...diffs) },
      scopesTouched,
    },
    oneRouteEdit: { retranslateMs: summary(routeMs) },
    memoryMb: { rss: round(memory.rss / 2 ** 20), heapUsed: round(memory.heapUsed / 2 ** 20) },
  };
  console.log(JSON.stringify(result, null, 2));
  const rows: [string, string][] = [
    ['world build (72k plain objects)', `${result.worldBuildMs} ms`],
    ['full translate, cold / warm', `${result.fullTranslateMs.cold} / ${result.fullTranslateMs.warm} ms`],
    ['1 EndpointSlice: world rebuild (median)', `${result.oneSliceChange.worldRebuildMs.median} ms`],
    ['1 EndpointSlice: retranslate (median / p95)', `${result.oneSliceChange.retranslateMs.median} / ${result.oneSliceChange.retranslateMs.p95} ms`],
    ['1 EndpointSlice: resources changed', `${result.oneSliceChange.changedResources.median} (1 upstream x ${scopesTouched} scopes)`],
    ['1 HTTPRoute edit: retranslate (median)', `${result.oneRouteEdit.retranslateMs.median} ms`],
    ['RSS / live heap (bench objects included)', `${result.memoryMb.rss} / ${result.memoryMb.heapUsed} MB`],
  ];
  console.log(['', '| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n'));
}

main();
