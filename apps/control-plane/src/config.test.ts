import { describe, expect, it } from 'vitest';
import { parseConfig } from '@weft/telemetry';
import { controlPlaneConfig } from './config.js';

describe('control plane configuration', () => {
  it('defaults to the Kubernetes source and a 30 ms / 250 ms debounce', () => {
    const config = parseConfig(controlPlaneConfig, [], {});
    expect(config).toMatchObject({ source: 'kubernetes', clusterId: 'default', debounce: 30, debounceMax: 250, healthPort: 15014 });
  });

  it('refuses a cluster id that cannot prefix NATS subjects', () => {
    expect(() => parseConfig(controlPlaneConfig, ['--cluster-id', 'us.east'], {})).toThrow(/--cluster-id: "us.east" must be lowercase/);
  });
});
