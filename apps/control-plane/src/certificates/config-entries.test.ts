import { describe, expect, it } from 'vitest';
import { configHelp, parseConfig } from '@weft/telemetry';
import { controlPlaneConfig } from '../config.js';
import { certificateDnsNames, certificateListenAddress } from './from-config.js';

const parse = (argv: string[], env: Record<string, string> = {}) => parseConfig(controlPlaneConfig, argv, env);

describe('certificate service configuration', () => {
  it('ca config - on at 0.0.0.0:15012 for the Kubernetes source, off for the folder source unless an address is named', () => {
    expect(certificateListenAddress(parse([]))).toEqual({ host: '0.0.0.0', port: 15012 });
    expect(certificateListenAddress(parse(['--source', 'folder']))).toBeUndefined();
    expect(certificateListenAddress(parse(['--source', 'folder', '--ca-listen', '127.0.0.1:0']))).toEqual({ host: '127.0.0.1', port: 0 });
    expect(certificateListenAddress(parse(['--ca-listen', 'off']))).toBeUndefined();
    expect(certificateListenAddress(parse(['--ca-listen', '[::1]:15012']))).toEqual({ host: '::1', port: 15012 });
  });

  it('ca config - the serving names are the Service’s, with and without the cluster domain, plus extras', () => {
    const config = parse(['--ca-dns-names', 'localhost'], { POD_NAMESPACE: 'mesh', WEFT_CLUSTER_DOMAIN: 'example.org' });
    expect(certificateDnsNames(config)).toEqual(['weft-control-plane.mesh.svc', 'weft-control-plane.mesh.svc.example.org', 'localhost']);
  });

  it('ca config - defaults: trust domain cluster.local, 24 h SVIDs, 20/s with a burst of 200, 60 s token cache, local token verification', () => {
    expect(parse([])).toMatchObject({
      trustDomain: 'cluster.local',
      caNamespace: 'weft-system',
      caSecret: 'weft-ca',
      caPluggedSecret: '',
      maxSvidLifetime: 86_400_000,
      caRate: 20,
      caBurst: 200,
      caTokenAudience: 'weft',
      caTokenCacheTtl: 60_000,
      caTokenVerification: 'local',
    });
    expect(parse(['--ca-token-verification', 'tokenreview'])).toMatchObject({ caTokenVerification: 'tokenreview' });
  });

  it('ca config - bad values are refused with the flag and the reason', () => {
    const bad: [string[], RegExp][] = [
      [['--ca-listen', '15012'], /--ca-listen: "15012" is not auto, off or host:port/],
      [['--ca-token-verification', 'jwks'], /--ca-token-verification: "jwks" is not one of local, tokenreview/],
      [['--trust-domain', 'Cluster.Local'], /--trust-domain: trust domain "Cluster.Local" may only contain lowercase/],
      [['--max-svid-lifetime', '10s'], /--max-svid-lifetime: "10s" is shorter than the 1m minimum/],
      [['--ca-rate', '-1'], /--ca-rate: "-1" is not a number >= 0/],
      [['--ca-burst', '0'], /--ca-burst: "0" is not a positive integer/],
      [['--ca-token-cache-ttl', '1h'], /--ca-token-cache-ttl: "1h" is longer than 5m/],
      [['--ca-dns-names', 'Bad_Name'], /--ca-dns-names: "Bad_Name" is not a lowercase DNS name/],
    ];
    for (const [argv, message] of bad) expect(() => parse(argv)).toThrow(message);
  });

  it('ca config - --help says the folder source runs no certificate service unless configured', () => {
    expect(configHelp(controlPlaneConfig)).toMatch(/--ca-listen[\s\S]*off with --source=folder, which has no TokenReview/);
  });
});
