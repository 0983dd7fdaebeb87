import { describe, expect, it } from 'vitest';
import { fail, formatResults, ok, warn } from './check-result.js';
import { weftCrds } from './crd-checks.js';

describe('weftctl check - output', () => {
  it('prints one aligned line per check, the fix under each WARN and FAIL, and a summary', () => {
    const text = formatResults([
      ok('crd httproutes.gateway.networking.k8s.io', 'Established, v1 served'),
      warn('nats nats://127.0.0.1:4222', 'streams missing', 'start the control plane'),
      fail('webhook caBundle', 'does not hold the CA root', 'wait for the control plane'),
    ]);
    expect(text.split('\n')).toEqual([
      'OK    crd httproutes.gateway.networking.k8s.io  Established, v1 served',
      'WARN  nats nats://127.0.0.1:4222                streams missing',
      '                                                fix: start the control plane',
      'FAIL  webhook caBundle                          does not hold the CA root',
      '                                                fix: wait for the control plane',
      '',
      '1 of 3 checks failed',
      '',
    ]);
    expect(formatResults([ok('a', 'fine')])).toContain('the install looks healthy (1 checks, 0 warnings)');
  });

  it('checks the CRD of every optional kind Weft watches, at the version it reads', () => {
    expect(weftCrds()).toEqual([
      { name: 'httproutes.gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' },
      { name: 'grpcroutes.gateway.networking.k8s.io', version: 'v1', kind: 'GRPCRoute' },
      { name: 'referencegrants.gateway.networking.k8s.io', version: 'v1beta1', kind: 'ReferenceGrant' },
      { name: 'meshauthorizations.mesh.weft.dev', version: 'v1alpha1', kind: 'MeshAuthorization' },
    ]);
  });
});
