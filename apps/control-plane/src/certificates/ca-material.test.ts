import { describe, expect, it } from 'vitest';
import { CaMaterialError, materialOf } from './ca-material.js';

describe('CA Secret layout', () => {
  it('ca material - reads the cacerts keys, Istio’s ca-cert.pem / ca-key.pem names too', () => {
    expect(materialOf({ 'ca.crt': 'C', 'ca.key': 'K', 'cert-chain.pem': 'CH', 'root-cert.pem': 'R' }, 'ns/s')).toEqual({ caCert: 'C', caKey: 'K', certChain: 'CH', rootCert: 'R' });
    expect(materialOf({ 'ca-cert.pem': 'C', 'ca-key.pem': 'K', 'cert-chain.pem': 'CH', 'root-cert.pem': 'R' }, 'ns/s')).toEqual({ caCert: 'C', caKey: 'K', certChain: 'CH', rootCert: 'R' });
  });

  it('ca material - names the Secret and every missing key; blank values count as missing', () => {
    expect(() => materialOf({ 'ca.crt': 'C', 'ca.key': '  ' }, 'weft-system/mine')).toThrow(CaMaterialError);
    expect(() => materialOf({ 'ca.crt': 'C', 'ca.key': '  ' }, 'weft-system/mine')).toThrow(
      'Secret weft-system/mine is not in the cacerts layout: it lacks ca.key or ca-key.pem, cert-chain.pem, root-cert.pem',
    );
  });
});
