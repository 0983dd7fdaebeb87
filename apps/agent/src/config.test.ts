import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@weft/telemetry';
import { agentConfig, readAgentConfig } from './config.js';

describe('agent configuration', () => {
  it('reads the pod identity from the downward API variables and defaults the rest', () => {
    const config = parseConfig(agentConfig, [], { POD_NAME: 'reviews-7d9f', POD_NAMESPACE: 'shop', SERVICE_ACCOUNT: 'reviews' });
    expect(config).toMatchObject({
      podName: 'reviews-7d9f',
      podNamespace: 'shop',
      serviceAccount: 'reviews',
      clusterId: 'default',
      store: 'etcd',
      etcdPort: 2379,
      statusInterval: 10_000,
      statusDelay: 500,
    });
  });

  it('refuses an unknown store mode', () => {
    expect(() => parseConfig(agentConfig, ['--store', 'consul'], {})).toThrow('--store: "consul" is not one of etcd, yaml, both');
  });

  it('needs the pod identity to follow NATS, not to serve a snapshot file', () => {
    expect(() => readAgentConfig([], {})).toThrow(ConfigError);
    expect(() => readAgentConfig([], { POD_NAME: 'web-1' })).toThrow('--pod-namespace');
    expect(() => readAgentConfig(['--pod-name', 'web 1', '--pod-namespace', 'shop'], {})).toThrow('invalid agent id');
    expect(readAgentConfig(['--pod-name', 'web.v2', '--pod-namespace', 'shop'], {}).podName).toBe('web.v2');
    expect(readAgentConfig(['--snapshot', '/tmp/s.json'], {}).snapshot).toBe('/tmp/s.json');
  });
});
