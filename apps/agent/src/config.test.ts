import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@weft/telemetry';
import { agentConfig } from './config.js';

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
    });
  });

  it('refuses to start without a pod identity, and with an unknown store mode', () => {
    expect(() => parseConfig(agentConfig, ['--store', 'consul'], {})).toThrow(ConfigError);
    try {
      parseConfig(agentConfig, ['--store', 'consul'], {});
    } catch (err) {
      const problems = (err as ConfigError).problems;
      expect(problems).toContain('--pod-name (or POD_NAME) is required: This pod’s name (downward API).');
      expect(problems).toContain('--store: "consul" is not one of etcd, yaml, both');
    }
  });
});
