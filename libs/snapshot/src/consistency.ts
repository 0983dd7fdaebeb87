/**
 * References that must resolve inside one snapshot (go-control-plane's `Consistent()`, for APISIX):
 *
 *   routes ──upstream_id──────────────▶ upstreams ──tls.client_cert_id──▶ ssls (type: client)
 *     │  └─plugin_config_id──▶ plugin_configs
 *     └─plugins.traffic-split.rules[].weighted_upstreams[].upstream_id ──▶ upstreams
 *   stream_routes ──upstream_id──▶ upstreams
 *   plugin_configs, global_rules ──plugins.traffic-split…upstream_id──▶ upstreams
 */
import type { ApisixKind, ApisixPlugins, ApisixResources } from '@weft/model';
import type { SnapshotProblem } from './problems.js';

export function checkConsistency(resources: ApisixResources): SnapshotProblem[] {
  const upstreamIds = new Set(resources.upstreams.map((u) => u.id));
  const pluginConfigIds = new Set(resources.plugin_configs.map((p) => p.id));
  const sslTypes = new Map(resources.ssls.map((s) => [s.id, s.type ?? 'server'] as const));
  const problems: SnapshotProblem[] = [];

  const dangling = (kind: ApisixKind, id: string, field: string, target: string, ref: unknown): void => {
    problems.push({
      code: 'dangling_reference',
      kind,
      id,
      path: `${kind}[${id}].${field}`,
      message: `${target} ${JSON.stringify(ref)} is not in this snapshot`,
    });
  };
  const checkUpstreamRef = (kind: ApisixKind, id: string, field: string, ref: unknown): void => {
    if (ref !== undefined && (typeof ref !== 'string' || !upstreamIds.has(ref))) dangling(kind, id, field, 'upstream', ref);
  };
  const checkPlugins = (kind: ApisixKind, id: string, plugins: ApisixPlugins | undefined): void => {
    for (const { field, upstreamId } of trafficSplitUpstreamIds(plugins)) checkUpstreamRef(kind, id, field, upstreamId);
  };

  for (const route of resources.routes) {
    checkUpstreamRef('routes', route.id, 'upstream_id', route.upstream_id);
    const pluginConfigId: unknown = route.plugin_config_id;
    if (pluginConfigId !== undefined && (typeof pluginConfigId !== 'string' || !pluginConfigIds.has(pluginConfigId))) {
      dangling('routes', route.id, 'plugin_config_id', 'plugin_config', pluginConfigId);
    }
    checkPlugins('routes', route.id, route.plugins);
  }
  for (const streamRoute of resources.stream_routes) {
    checkUpstreamRef('stream_routes', streamRoute.id, 'upstream_id', streamRoute.upstream_id);
    checkPlugins('stream_routes', streamRoute.id, streamRoute.plugins);
  }
  for (const pluginConfig of resources.plugin_configs) checkPlugins('plugin_configs', pluginConfig.id, pluginConfig.plugins);
  for (const globalRule of resources.global_rules) checkPlugins('global_rules', globalRule.id, globalRule.plugins);

  for (const upstream of resources.upstreams) {
    const ref: unknown = isRecord(upstream.tls) ? upstream.tls['client_cert_id'] : undefined;
    if (ref === undefined) continue;
    const type = typeof ref === 'string' ? sslTypes.get(ref) : undefined;
    if (type === undefined) dangling('upstreams', upstream.id, 'tls.client_cert_id', 'ssl', ref);
    else if (type !== 'client') {
      problems.push({
        code: 'wrong_reference_kind',
        kind: 'upstreams',
        id: upstream.id,
        path: `upstreams[${upstream.id}].tls.client_cert_id`,
        message: `ssl ${JSON.stringify(ref)} has type ${type}; a client certificate needs type client`,
      });
    }
  }
  return problems;
}

/** `upstream_id`s named by a traffic-split plugin config, with where they sit. Tolerates malformed configs. */
function* trafficSplitUpstreamIds(
  plugins: ApisixPlugins | undefined,
): Generator<{ readonly field: string; readonly upstreamId: unknown }> {
  const conf = plugins?.['traffic-split'];
  if (!isRecord(conf) || !Array.isArray(conf['rules'])) return;
  const rules: readonly unknown[] = conf['rules'];
  for (const [r, rule] of rules.entries()) {
    if (!isRecord(rule) || !Array.isArray(rule['weighted_upstreams'])) continue;
    const weighted: readonly unknown[] = rule['weighted_upstreams'];
    for (const [w, entry] of weighted.entries()) {
      if (isRecord(entry) && entry['upstream_id'] !== undefined) {
        yield {
          field: `plugins.traffic-split.rules[${r}].weighted_upstreams[${w}].upstream_id`,
          upstreamId: entry['upstream_id'],
        };
      }
    }
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
