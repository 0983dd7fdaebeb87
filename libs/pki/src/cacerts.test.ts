import { describe, expect, it } from 'vitest';
import { materialFromCacerts } from './cacerts.js';

describe('cacerts layout', () => {
  it('reads Weft’s names and Istio’s, and names every missing key', () => {
    expect(materialFromCacerts({ 'ca.crt': 'C', 'ca.key': 'K', 'cert-chain.pem': 'CH', 'root-cert.pem': 'R' })).toEqual({
      material: { caCert: 'C', caKey: 'K', certChain: 'CH', rootCert: 'R' },
    });
    expect(materialFromCacerts({ 'ca-cert.pem': 'C', 'ca-key.pem': 'K', 'cert-chain.pem': 'CH', 'root-cert.pem': 'R' })).toEqual({
      material: { caCert: 'C', caKey: 'K', certChain: 'CH', rootCert: 'R' },
    });
    expect(materialFromCacerts({ 'ca.crt': 'C', 'ca.key': '  ', 'root-cert.pem': 'R' })).toEqual({ missing: ['ca.key or ca-key.pem', 'cert-chain.pem'] });
  });
});
