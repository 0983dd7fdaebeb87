import { stat } from 'node:fs/promises';
import { renderApisixYaml } from '@weft/apisix';
import { buildWorldState, FolderSource, parseManifestFile } from '@weft/k8s';
import type { MeshConfig } from '@weft/model';
import { resourcesForClient, translate } from '@weft/translate';
import { createLogger } from '@weft/telemetry';
import { stringify } from 'yaml';

export interface RenderOptions {
  readonly manifests: string;
  /** `namespace/pod`: print only what this workload's agent serves. */
  readonly workload?: string;
  readonly format: 'json' | 'yaml';
  readonly clusterDomain: string;
}

export interface RenderResult {
  /** What goes to stdout. */
  readonly output: string;
  /** Problems in the input and route conditions that are not True, for stderr. */
  readonly warnings: readonly string[];
}

export class RenderError extends Error {
  override readonly name = 'RenderError';
}

/** Reads a folder of manifests and translates it through the very same code the control plane runs. */
export async function renderManifests(options: RenderOptions): Promise<RenderResult> {
  const info = await stat(options.manifests).catch(() => undefined);
  if (info?.isDirectory() !== true) throw new RenderError(`--manifests ${options.manifests}: not a folder`);
  const source = new FolderSource(options.manifests, {
    log: createLogger({ component: 'weftctl', level: 'silent' }),
    parse: parseManifestFile,
  });
  const set = await source.readOnce();
  const built = buildWorldState(set.objects, { clusterDomain: options.clusterDomain });
  const mesh = translate(built.world);
  const warnings = [
    ...set.problems,
    ...built.diagnostics.map((d) => `${d.object}: ${d.message}`),
    ...mesh.diagnostics.map((d) => `${d.object}: ${d.message}`),
    ...routeWarnings(mesh),
  ];
  if (options.workload === undefined) {
    return { output: format(mesh, options.format), warnings };
  }
  const scope = mesh.workloads[options.workload];
  if (scope === undefined) {
    const known = Object.keys(mesh.workloads).sort();
    throw new RenderError(
      `workload ${options.workload} is not in the mesh (a Pod with that namespace/name and an IP); known: ${known.slice(0, 20).join(', ') || 'none'}`,
    );
  }
  const shared = mesh.scopes[scope];
  if (shared === undefined) throw new RenderError(`scope ${scope} of ${options.workload} has no config`);
  // What the workload's agent serves: the scope as seen from the workload's namespace.
  const resources = resourcesForClient(shared, options.workload.slice(0, options.workload.indexOf('/')));
  const output = options.format === 'yaml' ? renderApisixYaml(resources) : `${JSON.stringify({ workload: options.workload, scope, ...resources }, null, 2)}\n`;
  return { output, warnings };
}

function format(mesh: MeshConfig, as: 'json' | 'yaml'): string {
  return as === 'yaml' ? stringify(mesh, { sortMapEntries: false }) : `${JSON.stringify(mesh, null, 2)}\n`;
}

function routeWarnings(mesh: MeshConfig): string[] {
  const out: string[] = [];
  for (const route of mesh.routeStatuses) {
    for (const parent of route.parents) {
      for (const c of parent.conditions) {
        if (c.status !== 'True') {
          out.push(`${route.kind} ${route.namespace}/${route.name} → ${parent.parentRef.kind} ${parent.parentRef.name}: ${c.type}=${c.status} ${c.reason}: ${c.message}`);
        }
      }
    }
  }
  return out;
}
