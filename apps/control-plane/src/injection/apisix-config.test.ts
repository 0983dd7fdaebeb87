import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { testInjectionSettings } from '../testing/injection-settings.js';
import { apisixConfigYaml, apisixStartScript } from './apisix-config.js';

type Config = Record<string, Record<string, unknown>>;

describe('injection - APISIX config.yaml', () => {
  it('etcd store: a data plane reading the agent’s etcd v3 API on loopback (apisix-contract §6.7)', () => {
    const config = parse(apisixConfigYaml(testInjectionSettings(), 'etcd')) as Config;
    expect(config['deployment']).toEqual({
      role: 'data_plane',
      role_data_plane: { config_provider: 'etcd' },
      etcd: { host: ['http://127.0.0.1:15010'], prefix: '/apisix', timeout: 30, watch_timeout: 50 },
    });
    expect(config['apisix']).toEqual({
      node_listen: [{ port: 15001 }],
      proxy_mode: 'http&stream',
      stream_proxy: {},
      proxy_protocol: { listen_http_port: 15080, listen_https_port: 15443 },
      ssl: { enable: true, listen: [], ssl_trusted_certificate: '/var/run/weft/apisix/trust-bundle.pem' },
      status: { ip: '0.0.0.0', port: 15022 },
    });
  });

  it('the mesh listeners (docs/mesh-mtls.md): 15006 dispatches TLS to 15443 and the rest to 15080 with PROXY protocol; the real IP comes from it', () => {
    const nginx = (parse(apisixConfigYaml(testInjectionSettings(), 'etcd')) as Config)['nginx_config'] as Record<string, unknown>;
    expect(nginx['http']).toEqual({ real_ip_header: 'proxy_protocol', real_ip_from: ['127.0.0.1'] });
    expect((nginx['stream_configuration_snippet'] as string).split('\n')).toEqual([
      'map $ssl_preread_protocol $weft_inbound_listener {',
      '  "" 127.0.0.1:15080;',
      '  default 127.0.0.1:15443;',
      '}',
      'server {',
      '  listen 15006;',
      '  listen [::]:15006;',
      '  ssl_preread on;',
      '  proxy_protocol on;',
      '  proxy_pass $weft_inbound_listener;',
      '}',
      '',
    ]);
    // The inbound port follows the settings.
    const moved = (parse(apisixConfigYaml(testInjectionSettings({ inboundPort: 16006 }), 'etcd')) as Config)['nginx_config'] as Record<string, string>;
    expect(moved['stream_configuration_snippet']).toContain('  listen 16006;');
  });

  it('with a certificate service, every upstream certificate is verified against the agent’s trust bundle, gRPC included', () => {
    const nginx = (parse(apisixConfigYaml(testInjectionSettings(), 'etcd')) as Config)['nginx_config'] as Record<string, string>;
    expect(nginx['http_server_configuration_snippet']?.split('\n')).toEqual([
      'proxy_ssl_verify on;',
      'proxy_ssl_verify_depth 3;',
      'grpc_ssl_verify on;',
      'grpc_ssl_verify_depth 3;',
      'grpc_ssl_trusted_certificate /var/run/weft/apisix/trust-bundle.pem;',
      'grpc_ssl_server_name on;',
      'grpc_ssl_name $upstream_host;',
      '',
    ]);
  });

  it('without a certificate service (no SVIDs, no bundle): no trusted certificate and no verification snippet', () => {
    const config = parse(apisixConfigYaml(testInjectionSettings({ caAddress: '' }), 'etcd')) as Config;
    expect(config['apisix']?.['ssl']).toEqual({ enable: true, listen: [] });
    expect(config['nginx_config']).not.toHaveProperty('http_server_configuration_snippet');
    expect(apisixStartScript('etcd')).not.toContain('trust-bundle.pem');
  });

  it('yaml store: config_provider yaml and no etcd section; the start script links apisix.yaml to the agent’s file', () => {
    const config = parse(apisixConfigYaml(testInjectionSettings({ agentEtcdPort: 2379 }), 'yaml')) as Config;
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

  it('with a trust bundle to read, the start script waits for the agent’s file (bounded) before apisix init', () => {
    const lines = apisixStartScript('etcd', { trustBundle: true }).split('\n');
    const init = lines.indexOf('/usr/bin/apisix init');
    const wait = lines.findIndex((l) => l.startsWith('while [ ! -s /var/run/weft/apisix/trust-bundle.pem ]'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThan(init);
    expect(lines[wait]).toContain('-lt 120');
    expect(lines[wait + 1]).toMatch(/^\[ -s \/var\/run\/weft\/apisix\/trust-bundle\.pem \] \|\| \{ .* exit 1; \}$/);
  });
});
