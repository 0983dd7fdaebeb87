import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@weft/telemetry';
import { bridgeConfig, servingDnsNames } from './config.js';

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('bridge config', () => {
  it('reads the Helm chart’s environment and applies the defaults', () => {
    const config = parseConfig(bridgeConfig, [], {
      POD_NAMESPACE: 'mesh',
      WEFT_TRUST_DOMAIN: 'example.org',
      WEFT_ISSUER_NAME: 'mesh-ca',
      WEFT_ISSUER_KIND: 'ClusterIssuer',
      WEFT_CA_LISTEN: '0.0.0.0:15012',
      WEFT_MAX_SVID_LIFETIME: '12h',
      WEFT_HEALTH_PORT: '15014',
    });
    expect(config).toMatchObject({
      namespace: 'mesh',
      trustDomain: 'example.org',
      issuerName: 'mesh-ca',
      issuerKind: 'ClusterIssuer',
      issuerGroup: 'cert-manager.io',
      caListen: { host: '0.0.0.0', port: 15012 },
      maxSvidLifetime: 12 * 3600_000,
      issueTimeout: 30_000,
      trustBundleFile: '',
      healthPort: 15014,
    });
    expect(servingDnsNames(config)).toEqual(['weft-cert-manager-bridge.mesh.svc', 'weft-cert-manager-bridge.mesh.svc.cluster.local']);
  });

  it('needs an issuer, and refuses malformed values naming each', () => {
    expect(problems(() => parseConfig(bridgeConfig, [], {}))).toMatch(/--issuer-name \(or WEFT_ISSUER_NAME\) is required/);
    const text = problems(() => parseConfig(bridgeConfig, ['--issuer-name', 'x', '--ca-listen', 'nowhere', '--max-svid-lifetime', '30s', '--ca-token-cache-ttl', '10m', '--ca-dns-names', 'Bad_Name'], {}));
    expect(text).toMatch(/nowhere/);
    expect(text).toMatch(/shorter than the 1m minimum/);
    expect(text).toMatch(/longer than 5m/);
    expect(text).toMatch(/Bad_Name/);
  });
});
