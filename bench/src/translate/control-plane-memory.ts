/**
 * The control plane's resident memory, measured in a process of its own so nothing the timing runs allocated (three
 * full translations by throwaway translators, old MeshConfigs) inflates it. The child holds what a running control
 * plane holds — its informer objects, the last world, a warm translator and the last MeshConfig — after it has
 * applied an EndpointSlice change and an HTTPRoute edit, then forces a full GC before reading RSS.
 */
import { fork } from 'node:child_process';
import type { MeshConfig, WorldState } from '@weft/model';
import { buildWorldState } from '@weft/k8s';
import { createTranslator } from '@weft/translate';
import type { Translator } from '@weft/translate';
import { endpointSlice, httpRoute, ISSUE_SHAPE, syntheticMesh } from './synthetic-objects.js';

export const MEMORY_FLAG = '--control-plane-memory';

export interface ControlPlaneMemory {
  /** RSS of the bare process (Node + tsx) before anything was built. */
  readonly baselineRssMb: number;
  /** RSS after a forced GC, holding objects + world + translator + last MeshConfig. */
  readonly rssMb: number;
  /** Highest RSS the process reached (the first full translation). */
  readonly peakRssMb: number;
  /** Live heap after a forced GC: the informer objects alone, then with world, translator and MeshConfig. */
  readonly heapMb: { readonly objects: number; readonly total: number };
}

function mb(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

function collect(): void {
  const gc = (globalThis as { gc?: (options?: { type: 'major'; execution: 'sync' }) => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  gc();
}

/** Runs in the child: builds the control plane's state and reports its memory on stdout as JSON. */
export function measureInThisProcess(): ControlPlaneMemory {
  collect();
  const baselineRssMb = mb(process.memoryUsage().rss);
  const mesh = syntheticMesh(ISSUE_SHAPE);
  // What the informers hold: the objects alone (the synthetic mesh's index tables are dropped below).
  const objects = mesh.objects;
  collect();
  const objectsHeap = process.memoryUsage().heapUsed;
  const held: { world: WorldState; translator: Translator; config: MeshConfig | undefined } = {
    world: buildWorldState(objects).world,
    translator: createTranslator(),
    config: undefined,
  };
  held.config = held.translator.translate(held.world);
  const slice = mesh.slices[0];
  const route = mesh.routes[0];
  if (slice === undefined || route === undefined) throw new Error('empty mesh');
  objects[slice.index] = endpointSlice(slice.ns, slice.svc, slice.firstAddress, ISSUE_SHAPE.endpointsPerService, ~1);
  held.world = buildWorldState(objects, { previous: held.world }).world;
  held.config = held.translator.translate(held.world);
  objects[route.index] = httpRoute(route.ns, route.r, route.parentNs, 1);
  held.world = buildWorldState(objects, { previous: held.world }).world;
  held.config = held.translator.translate(held.world);
  collect();
  const memory = process.memoryUsage();
  return {
    baselineRssMb,
    rssMb: mb(memory.rss),
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    heapMb: { objects: mb(objectsHeap), total: mb(memory.heapUsed) },
  };
}

/** Runs this script again in a child process (same loader flags) and returns what it measured. */
export function measureControlPlaneMemory(script: string): Promise<ControlPlaneMemory> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [MEMORY_FLAG], { execArgv: process.execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`memory child exited with ${code}`));
      else resolve(JSON.parse(out) as ControlPlaneMemory);
    });
  });
}
