import type { ApisixGlobalRule, ApisixPluginConfig, ApisixStreamRoute } from '@weft/model';
import { describe, expect, it } from 'vitest';
import { mkGlobalRule, mkPluginConfig, mkResources, mkStreamRoute } from '../testing/builders.js';
import { validateResources } from './index.js';

const paths = (resources: Parameters<typeof mkResources>[0]): [string, string][] =>
  validateResources(mkResources(resources)).map((p) => [p.code, p.path]);

describe('plugin_config, global_rule and stream_route validation', () => {
  it('accepts well-formed resources', () => {
    expect(
      paths({
        plugin_configs: [mkPluginConfig('pc', { name: 'auth', desc: '', labels: { a: 'b' } })],
        global_rules: [mkGlobalRule('g')],
        stream_routes: [mkStreamRoute('s', { remote_addr: '10.0.0.0/8', server_addr: '127.0.0.1', sni: 'db.default.svc', plugins: {} })],
      }),
    ).toEqual([]);
    expect(paths({ stream_routes: [{ id: 'bare' }] })).toEqual([]);
  });

  it('needs plugins on plugin_configs and global_rules', () => {
    expect(
      paths({
        plugin_configs: [{ id: 'pc' } as ApisixPluginConfig],
        global_rules: [{ id: 'g', plugins: [] } as unknown as ApisixGlobalRule],
      }),
    ).toEqual([
      ['missing_field', 'plugin_configs[pc].plugins'],
      ['invalid_value', 'global_rules[g].plugins'],
    ]);
  });

  it('allows only id and plugins on a global rule', () => {
    expect(paths({ global_rules: [{ ...mkGlobalRule('g'), name: 'x' } as ApisixGlobalRule] })).toEqual([
      ['unknown_field', 'global_rules[g].name'],
    ]);
  });

  it('checks stream route addresses and ports', () => {
    expect(
      paths({
        stream_routes: [
          { id: 's', server_port: 0, remote_addr: 'nope', server_addr: '1.2.3.4/40', protocol: {} } as ApisixStreamRoute,
        ],
      }),
    ).toEqual([
      ['unknown_field', 'stream_routes[s].protocol'],
      ['invalid_value', 'stream_routes[s].remote_addr'],
      ['invalid_value', 'stream_routes[s].server_addr'],
      ['invalid_value', 'stream_routes[s].server_port'],
    ]);
  });

  it('reports an item that is not an object, and a missing id', () => {
    expect(paths({ global_rules: [7 as never, { plugins: {} } as never] })).toEqual([
      ['invalid_value', 'global_rules[#0]'],
      ['invalid_value', 'global_rules[#1].id'],
    ]);
  });
});
