import { describe, expect, it } from 'vitest';
import { MESH_SSL_IDS } from '@weft/model';
import { checkConsistency } from './consistency.js';
import { mkClientSsl, mkGlobalRule, mkPluginConfig, mkResources, mkRoute, mkSsl, mkStreamRoute, mkUpstream } from './testing/builders.js';

const trafficSplit = (...ids: string[]) => ({
  'traffic-split': { rules: [{ weighted_upstreams: ids.map((upstream_id) => ({ upstream_id, weight: 1 })) }] },
});

describe('checkConsistency', () => {
  it('finds nothing when every reference resolves', () => {
    const resources = mkResources({
      upstreams: [mkUpstream('web'), mkUpstream('canary', { scheme: 'https', tls: { client_cert_id: 'svid' } })],
      routes: [mkRoute('r1', { upstream_id: 'web', plugin_config_id: 'pc', plugins: trafficSplit('canary', 'web') })],
      stream_routes: [mkStreamRoute('s1', { upstream_id: 'web' })],
      plugin_configs: [mkPluginConfig('pc')],
      ssls: [mkClientSsl('svid')],
    });
    expect(checkConsistency(resources)).toEqual([]);
  });

  it('reports each dangling reference with its kind, id and path', () => {
    const resources = mkResources({
      upstreams: [mkUpstream('web', { tls: { client_cert_id: 'gone-cert' } })],
      routes: [mkRoute('r1', { upstream_id: 'gone', plugin_config_id: 'gone-pc', plugins: trafficSplit('web', 'gone-split') })],
      stream_routes: [mkStreamRoute('s1', { upstream_id: 'gone-stream' })],
      plugin_configs: [mkPluginConfig('pc', { plugins: trafficSplit('gone-pc-split') })],
      global_rules: [mkGlobalRule('g', { plugins: trafficSplit('gone-global') })],
    });
    const problems = checkConsistency(resources);
    expect(problems.map((p) => [p.code, p.kind, p.id, p.path])).toEqual([
      ['dangling_reference', 'routes', 'r1', 'routes[r1].upstream_id'],
      ['dangling_reference', 'routes', 'r1', 'routes[r1].plugin_config_id'],
      ['dangling_reference', 'routes', 'r1', 'routes[r1].plugins.traffic-split.rules[0].weighted_upstreams[1].upstream_id'],
      ['dangling_reference', 'stream_routes', 's1', 'stream_routes[s1].upstream_id'],
      ['dangling_reference', 'plugin_configs', 'pc', 'plugin_configs[pc].plugins.traffic-split.rules[0].weighted_upstreams[0].upstream_id'],
      ['dangling_reference', 'global_rules', 'g', 'global_rules[g].plugins.traffic-split.rules[0].weighted_upstreams[0].upstream_id'],
      ['dangling_reference', 'upstreams', 'web', 'upstreams[web].tls.client_cert_id'],
    ]);
    expect(problems[0]?.message).toContain('"gone"');
  });

  it('accepts the agent’s own client certificate id without the ssl object, and only that id', () => {
    const resources = mkResources({
      upstreams: [mkUpstream('mesh', { scheme: 'https', tls: { client_cert_id: MESH_SSL_IDS.outbound } }), mkUpstream('other', { scheme: 'https', tls: { client_cert_id: 'weft-outbound-2' } })],
    });
    expect(checkConsistency(resources).map((p) => p.path)).toEqual(['upstreams[other].tls.client_cert_id']);
  });

  it('refuses a server certificate used as a client certificate', () => {
    const resources = mkResources({
      upstreams: [mkUpstream('web', { tls: { client_cert_id: 'server-cert' } })],
      ssls: [mkSsl('server-cert')],
    });
    expect(checkConsistency(resources)).toMatchObject([{ code: 'wrong_reference_kind', path: 'upstreams[web].tls.client_cert_id' }]);
  });

  it('tolerates traffic-split entries without upstream_id and malformed plugin configs', () => {
    const resources = mkResources({
      upstreams: [mkUpstream('web')],
      routes: [
        mkRoute('a', { plugins: { 'traffic-split': { rules: [{ weighted_upstreams: [{ weight: 1 }, { upstream_id: 'web' }] }] } } }),
        mkRoute('b', { plugins: { 'traffic-split': { rules: 'nope' } } }),
        mkRoute('c', { plugins: { 'traffic-split': 3 } }),
      ],
    });
    expect(checkConsistency(resources)).toEqual([]);
  });

  it('reports a reference that is not a string as dangling', () => {
    const resources = mkResources({ upstreams: [mkUpstream('1')], routes: [mkRoute('r', { upstream_id: 1 as unknown as string })] });
    expect(checkConsistency(resources)).toMatchObject([{ code: 'dangling_reference', path: 'routes[r].upstream_id' }]);
  });
});
