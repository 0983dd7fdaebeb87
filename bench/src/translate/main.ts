/**
 * bench:translate — the issue's synthetic mesh as plain Kubernetes objects, through the control plane's path:
 * buildWorldState(objects, {previous}) (@weft/k8s) then translate (@weft/translate). Measures a full translation, and
 * the whole control-plane step (world patch + retranslation on a warm translator) after one EndpointSlice change and
 * after one HTTPRoute spec edit; then the control plane's RSS in a child process (see control-plane-memory.ts).
 * Prints JSON, then a table. Run with --expose-gc.
 */
import { fileURLToPath } from 'node:url';
import type { ApisixResources, MeshConfig, WorldState } from '@weft/model';
import { APISIX_KINDS } from '@weft/model';
import { buildWorldState } from '@weft/k8s';
import { createTranslator } from '@weft/translate';
import { MEMORY_FLAG, measureControlPlaneMemory, measureInThisProcess } from './control-plane-memory.js';
import { endpointSlice, httpRoute, ISSUE_SHAPE, syntheticMesh } from './synthetic-objects.js';

const FULL_RUNS = 3;
const CHANGE_RUNS = 25;
const ROUTE_RUNS = 25;
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
      const list: readonly { readonly id: string }[] = resources[kind];
      const was: readonly { readonly id: string }[] = old?.[kind] ?? [];
      if (list === was) continue;
      // Lists are sorted by id: same ids in the same places compare by position, without a map per scope.
      if (list.length === was.length && list.every((r, i) => r.id === was[i]?.id)) {
        for (let i = 0; i < list.length; i++) if (list[i] !== was[i]) changed++;
        continue;
      }
      const previous = new Map<string, unknown>(was.map((r) => [r.id, r]));
      for (const r of list) if (previous.get(r.id) !== r) changed++;
    }
  }
  return { changed, scopesTouched };
}

async function main(): Promise<void> {
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

  /** One control-plane step after `edit`: world patch, then retranslation; both timed. */
  let previous = translator.translate(world);
  function step(edit: () => void, into: { patch: number[]; translate: number[]; total: number[]; diffs: number[] }): number {
    edit();
    const start = process.hrtime.bigint();
    world = buildWorldState(objects, { previous: world }).world;
    const patched = ms(start);
    const next = translator.translate(world);
    const total = ms(start);
    into.patch.push(patched);
    into.translate.push(total - patched);
    into.total.push(total);
    const diff = changedResources(previous, next);
    into.diffs.push(diff.changed);
    previous = next;
    return diff.scopesTouched;
  }

  // One EndpointSlice changes (an endpoint turns unready, as in a rolling update).
  const slice = { patch: [] as number[], translate: [] as number[], total: [] as number[], diffs: [] as number[] };
  let sliceScopes = 0;
  for (let i = 0; i < CHANGE_RUNS; i++) {
    const s = mesh.slices[(i * 7919) % mesh.slices.length];
    if (s === undefined) continue;
    sliceScopes = step(() => {
      objects[s.index] = endpointSlice(s.ns, s.svc, s.firstAddress, ISSUE_SHAPE.endpointsPerService, ~(1 << (i % 5)));
    }, slice);
  }

  // One HTTPRoute spec edit: the header its first rule sets changes (a new object, generation bumped).
  const route = { patch: [] as number[], translate: [] as number[], total: [] as number[], diffs: [] as number[] };
  let routeScopes = 0;
  for (let i = 0; i < ROUTE_RUNS; i++) {
    const r = mesh.routes[(i * 389) % mesh.routes.length];
    if (r === undefined) continue;
    routeScopes = step(() => {
      objects[r.index] = httpRoute(r.ns, r.r, r.parentNs, i + 1);
    }, route);
  }

  const memory = await measureControlPlaneMemory(fileURLToPath(import.meta.url));
  const scopes = Object.values(config.scopes);
  const stepSummary = (t: typeof slice, scopesTouched: number) => ({
    stepMs: summary(t.total),
    worldPatchMs: summary(t.patch),
    retranslateMs: summary(t.translate),
    changedResources: { median: percentile(t.diffs, 0.5), max: Math.max(...t.diffs) },
    scopesTouched,
  });
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
    oneSliceChange: stepSummary(slice, sliceScopes),
    oneRouteEdit: stepSummary(route, routeScopes),
    controlPlaneMemoryMb: memory,
  };
  console.log(JSON.stringify(result, null, 2));
  const o = result.oneSliceChange;
  const e = result.oneRouteEdit;
  const rows: [string, string][] = [
    ['world build (72k plain objects)', `${result.worldBuildMs} ms`],
    ['full translate, cold / warm', `${result.fullTranslateMs.cold} / ${result.fullTranslateMs.warm} ms`],
    ['1 EndpointSlice: control-plane step, median / p95', `${o.stepMs.median} / ${o.stepMs.p95} ms`],
    ['  of which world patch / retranslate (medians)', `${o.worldPatchMs.median} / ${o.retranslateMs.median} ms`],
    ['  resources changed', `${o.changedResources.median} (in ${o.scopesTouched} scopes)`],
    ['1 HTTPRoute edit: control-plane step, median / p95', `${e.stepMs.median} / ${e.stepMs.p95} ms`],
    ['  of which world patch / retranslate (medians)', `${e.worldPatchMs.median} / ${e.retranslateMs.median} ms`],
    ['  resources changed', `${e.changedResources.median} (in ${e.scopesTouched} scopes)`],
    ['control plane RSS after GC (bare process)', `${memory.rssMb} MB (${memory.baselineRssMb} MB)`],
    ['control plane peak RSS', `${memory.peakRssMb} MB`],
    ['live heap: informer objects / total', `${memory.heapMb.objects} / ${memory.heapMb.total} MB`],
  ];
  console.log(['', '| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n'));
}

if (process.argv.includes(MEMORY_FLAG)) console.log(JSON.stringify(measureInThisProcess()));
else await main();
