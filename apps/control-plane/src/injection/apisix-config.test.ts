import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { testInjectionSettings } from '../testing/injection-settings.js';
import { apisixConfigYaml, apisixStartScript } from './apisix-config.js';

describe('injection - APISIX config.yaml', () => {
  it('etcd store: a data plane reading the agent’s etcd v3 API on loopback (apisix-contract §6.7)', () => {
    const config = parse(apisixConfigYaml(testInjectionSettings(), 'etcd')) as Record<string, Record<string, unknown>>;
    expect(config['deployment']).toEqual({
      role: 'data_plane',
      role_data_plane: { config_provider: 'etcd' },
      etcd: { host: ['http://127.0.0.1:15010'], prefix: '/apisix', timeout: 30, watch_timeout: 50 },
    });
    expect(config['apisix']).toEqual({
      node_listen: [{ port: 15001 }],
      ssl: { enable: true, listen: [{ port: 15006 }] },
      status: { ip: '0.0.0.0', port: 15022 },
    });
  });

  it('yaml store: config_provider yaml and no etcd section; the start script links apisix.yaml to the agent’s file', () => {
    const config = parse(apisixConfigYaml(testInjectionSettings({ agentEtcdPort: 2379 }), 'yaml')) as Record<string, Record<string, unknown>>;
    expect(config['deployment']).toEqual({ role: 'data_plane', role_data_plane: { config_provider: 'yaml' } });
    expect(apisixStartScript('yaml')).toContain('ln -sf /var/run/weft/apisix/apisix.yaml /usr/local/apisix/conf/apisix.yaml');
    expect(apisixStartScript('etcd')).not.toContain('apisix.yaml');
  });

  it('the start script writes config.yaml from the environment and runs OpenResty in the foreground without init_etcd', () => {
    const script = apisixStartScript('etcd');
    expect(script.split('\n')).toEqual([
      'set -e',
      `printf '%s\\n' "$WEFT_APISIX_CONFIG" > /usr/local/apisix/conf/config.yaml`,
      '/usr/bin/apisix init',
      "exec /usr/local/openresty/bin/openresty -p /usr/local/apisix -g 'daemon off;'",
    ]);
  });
});
