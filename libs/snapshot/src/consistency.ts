/**
 * References that must resolve inside one snapshot (go-control-plane's `Consistent()`, for APISIX); the rules and
 * the picture of what refers to what are in references.ts.
 */
import type { ApisixResources } from '@weft/model';
import type { SnapshotProblem } from './problems.js';
import { REFERRING_KINDS, referenceProblem, referencesOf, sslTypeOf } from './references.js';
import type { ReferenceTarget } from './references.js';

export function checkConsistency(resources: ApisixResources): SnapshotProblem[] {
  const targets: Readonly<Record<ReferenceTarget, ReadonlyMap<string, string>>> = {
    upstreams: new Map(resources.upstreams.map((u) => [u.id, ''])),
    plugin_configs: new Map(resources.plugin_configs.map((p) => [p.id, ''])),
    ssls: new Map(resources.ssls.map((s) => [s.id, sslTypeOf(s)])),
  };
  const problems: SnapshotProblem[] = [];
  for (const kind of REFERRING_KINDS) {
    for (const resource of resources[kind]) {
      for (const ref of referencesOf(kind, resource)) {
        const target = typeof ref.id === 'string' ? targets[ref.target].get(ref.id) : undefined;
        const problem = referenceProblem(kind, resource.id, ref, target);
        if (problem !== undefined) problems.push(problem);
      }
    }
  }
  return problems;
}
