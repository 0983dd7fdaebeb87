import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../client/kube-object.js';
import { certificateRequestObject, isFinished, outcomeOf } from './certificate-request.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function request(status: unknown): KubeObject {
  return { apiVersion: 'cert-manager.io/v1', kind: 'CertificateRequest', metadata: { name: 'r', namespace: 'weft-system' }, status };
}

const cond = (type: string, status: string, reason: string, message = ''): Record<string, string> => ({ type, status, reason, message });

describe('CertificateRequest outcome', () => {
  it('is pending until cert-manager says otherwise, with its reason', () => {
    expect(outcomeOf(request(undefined))).toEqual({ state: 'pending', reason: 'Pending', message: 'waiting for cert-manager to approve and sign' });
    expect(outcomeOf(request({ conditions: [cond('Approved', 'True', 'cert-manager.io'), cond('Ready', 'False', 'Pending', 'Referenced issuer does not have a Ready status condition')] }))).toEqual({
      state: 'pending',
      reason: 'Pending',
      message: 'Referenced issuer does not have a Ready status condition',
    });
    // Ready=True without a certificate is not an answer yet.
    expect(outcomeOf(request({ conditions: [cond('Ready', 'True', 'Issued')] })).state).toBe('pending');
    expect(isFinished(request({ conditions: [cond('Ready', 'False', 'Pending')] }))).toBe(false);
  });

  it('is issued with the decoded certificate and CA', () => {
    const outcome = outcomeOf(request({ conditions: [cond('Approved', 'True', 'cert-manager.io'), cond('Ready', 'True', 'Issued')], certificate: b64('LEAF'), ca: b64('ROOT') }));
    expect(outcome).toEqual({ state: 'issued', certificatePem: 'LEAF', caPem: 'ROOT' });
    expect(outcomeOf(request({ conditions: [cond('Ready', 'True', 'Issued')], certificate: b64('LEAF') }))).toEqual({ state: 'issued', certificatePem: 'LEAF', caPem: '' });
  });

  it('is denied by an approver, and failed by the issuer or as invalid', () => {
    expect(outcomeOf(request({ conditions: [cond('Denied', 'True', 'policy.cert-manager.io', 'no policy matched'), cond('Ready', 'False', 'Denied', 'The CertificateRequest was denied by an approval controller')] }))).toEqual({
      state: 'denied',
      reason: 'policy.cert-manager.io',
      message: 'no policy matched',
    });
    expect(outcomeOf(request({ conditions: [cond('Ready', 'False', 'Denied', 'denied')] }))).toMatchObject({ state: 'denied', reason: 'Denied' });
    expect(outcomeOf(request({ conditions: [cond('Approved', 'True', 'cert-manager.io'), cond('Ready', 'False', 'Failed', 'Annotation missing')], failureTime: '2026-11-23T00:00:00Z' }))).toEqual({
      state: 'failed',
      reason: 'Failed',
      message: 'Annotation missing',
    });
    expect(outcomeOf(request({ conditions: [cond('InvalidRequest', 'True', 'BadConfig', 'usages')] }))).toEqual({ state: 'failed', reason: 'BadConfig', message: 'usages' });
    expect(isFinished(request({ conditions: [cond('Ready', 'False', 'Failed')] }))).toBe(true);
  });

  it('is built with the CSR unchanged (base64), the duration in seconds, the usages and the issuerRef', () => {
    const object = certificateRequestObject(
      { name: 'weft-svid-1', csrPem: 'CSR PEM', durationSeconds: 3600, usages: ['digital signature', 'client auth', 'server auth'], issuerRef: { name: 'mesh', kind: 'ClusterIssuer', group: 'cert-manager.io' }, labels: { a: 'b' } },
      'weft-system',
    );
    expect(certificateRequestObject({ name: 'n', csrPem: 'C', durationSeconds: 60, usages: [], issuerRef: { name: 'i', kind: 'Issuer', group: 'cert-manager.io' } }, 'ns', { apiVersion: 'v1', kind: 'Pod', name: 'bridge-0', uid: 'u-1' }).metadata).toEqual({
      name: 'n',
      namespace: 'ns',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'bridge-0', uid: 'u-1' }],
    });
    expect(object).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'CertificateRequest',
      metadata: { name: 'weft-svid-1', namespace: 'weft-system', labels: { a: 'b' } },
      spec: { request: b64('CSR PEM'), duration: '3600s', usages: ['digital signature', 'client auth', 'server auth'], issuerRef: { name: 'mesh', kind: 'ClusterIssuer', group: 'cert-manager.io' } },
    });
  });
});
