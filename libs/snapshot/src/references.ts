/**
 * References between resources of one snapshot, one resource at a time, so that a whole snapshot (checkConsistency)
 * and a change to one (ContentState) are judged by the same rules with the same messages:
 *
 *   routes ──upstream_id──────────────▶ upstreams ──tls.client_cert_id──▶ ssls (type: client; not the agent's own, MESH_SSL_IDS)
 *     │  └─plugin_config_id──▶ plugin_configs
 *     └─plugins.traffic-split.rules[].weighted_upstreams[].upstream_id ──▶ upstreams
 *   stream_routes ──upstream_id──▶ upstreams
 *   plugin_configs, global_rules ──plugins.traffic-split…upstream_id──▶ upstreams
 */
import { isAgentProvidedSslId } from '@weft/model';
import type { ApisixKind } from '@weft/model';
import type { SnapshotProblem } from './problems.js';

/** The kinds a reference can point at. */
export type ReferenceTarget = 'upstreams' | 'plugin_configs' | 'ssls';

/** One reference a resource holds: where (`field`), to which kind, and the id as written (maybe not a string). */
export interface Reference {
  readonly target: ReferenceTarget;
  readonly field: string;
  readonly id: unknown;
}

/** Kinds whose resources hold references, in the order checkConsistency reports them. */
export const REFERRING_KINDS: readonly ApisixKind[] = ['routes', 'stream_routes', 'plugin_configs', 'global_rules', 'upstreams'];

const NONE: readonly Reference[] = Object.freeze([]);

/** The references of one resource, in a fixed order. Tolerates malformed resources (schema checks report them). */
export function referencesOf(kind: ApisixKind, resource: unknown): readonly Reference[] {
  if (!isRecord(resource)) return NONE;
  const refs: Reference[] = [];
  const add = (target: ReferenceTarget, field: string, id: unknown): void => {
    if (id !== undefined) refs.push({ target, field, id });
  };
  switch (kind) {
    case 'routes':
      add('upstreams', 'upstream_id', resource['upstream_id']);
      add('plugin_configs', 'plugin_config_id', resource['plugin_config_id']);
      addTrafficSplit(resource['plugins'], add);
      break;
    case 'stream_routes':
      add('upstreams', 'upstream_id', resource['upstream_id']);
      addTrafficSplit(resource['plugins'], add);
      break;
    case 'plugin_configs':
    case 'global_rules':
      addTrafficSplit(resource['plugins'], add);
      break;
    case 'upstreams': {
      const tls = resource['tls'];
      // The agent writes its own SVID's ssl objects beside every snapshot (the key never leaves the pod).
      if (isRecord(tls) && !(typeof tls['client_cert_id'] === 'string' && isAgentProvidedSslId(tls['client_cert_id']))) add('ssls', 'tls.client_cert_id', tls['client_cert_id']);
      break;
    }
    default:
      break;
  }
  return refs.length === 0 ? NONE : refs;
}

/** The `type` of an ssl as references see it (APISIX's default is server). */
export function sslTypeOf(resource: unknown): string {
  const type = isRecord(resource) ? resource['type'] : undefined;
  return typeof type === 'string' ? type : 'server';
}

/**
 * What, if anything, is wrong with reference `ref` of resource `kind[id]`: `target` is undefined when the id names
 * nothing of that kind, else the ssl's type (for other kinds, any string).
 */
export function referenceProblem(kind: ApisixKind, id: string, ref: Reference, target: string | undefined): SnapshotProblem | undefined {
  const path = `${kind}[${id}].${ref.field}`;
  const name = TARGET_NAMES[ref.target];
  if (target === undefined) {
    return { code: 'dangling_reference', kind, id, path, message: `${name} ${JSON.stringify(ref.id)} is not in this snapshot` };
  }
  if (ref.target === 'ssls' && target !== 'client') {
    return {
      code: 'wrong_reference_kind',
      kind,
      id,
      path,
      message: `ssl ${JSON.stringify(ref.id)} has type ${target}; a client certificate needs type client`,
    };
  }
  return undefined;
}

const TARGET_NAMES: Readonly<Record<ReferenceTarget, string>> = { upstreams: 'upstream', plugin_configs: 'plugin_config', ssls: 'ssl' };

function addTrafficSplit(plugins: unknown, add: (target: ReferenceTarget, field: string, id: unknown) => void): void {
  const conf = isRecord(plugins) ? plugins['traffic-split'] : undefined;
  if (!isRecord(conf) || !Array.isArray(conf['rules'])) return;
  const rules: readonly unknown[] = conf['rules'];
  for (const [r, rule] of rules.entries()) {
    if (!isRecord(rule) || !Array.isArray(rule['weighted_upstreams'])) continue;
    const weighted: readonly unknown[] = rule['weighted_upstreams'];
    for (const [w, entry] of weighted.entries()) {
      if (isRecord(entry)) add('upstreams', trafficSplitField(r, w), entry['upstream_id']);
    }
  }
}

// Field names are shared by every reference at the same place, not built per resource: an agent holds thousands.
const trafficSplitFields: string[][] = [];

function trafficSplitField(r: number, w: number): string {
  if (r >= 64 || w >= 64) return `plugins.traffic-split.rules[${r}].weighted_upstreams[${w}].upstream_id`;
  const row = (trafficSplitFields[r] ??= []);
  return (row[w] ??= `plugins.traffic-split.rules[${r}].weighted_upstreams[${w}].upstream_id`);
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
