import { describe, expect, it } from 'vitest';
import { MAX_CSR_PEM_LENGTH } from '../csr.js';
import { CsrError, IssuanceError } from '../errors.js';
import { CertificateDenial } from './certificate-denial.js';
import { checkRequest, denialOfIssuanceError, MIN_SVID_LIFETIME_MS } from './request-validation.js';

const bounds = { maxLifetimeMs: 24 * 3600_000 };
const csr = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';

function refusal(fn: () => unknown): CertificateDenial {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CertificateDenial);
    return err as CertificateDenial;
  }
  throw new Error('expected a CertificateDenial');
}

describe('certificate request validation', () => {
  it('request - validity 0 asks for the default lifetime; seconds within bounds are kept', () => {
    expect(checkRequest({ csr, validity_duration: 0 }, bounds)).toEqual({ csrPem: csr, lifetimeMs: undefined });
    expect(checkRequest({ csr }, bounds)).toEqual({ csrPem: csr, lifetimeMs: undefined });
    expect(checkRequest({ csr, validity_duration: 3600 }, bounds).lifetimeMs).toBe(3_600_000);
    expect(checkRequest({ csr, validity_duration: 86_400 }, bounds).lifetimeMs).toBe(86_400_000);
  });

  it('request - validity out of bounds is INVALID_ARGUMENT naming the bounds', () => {
    for (const validity of [86_401, MIN_SVID_LIFETIME_MS / 1000 - 1, -1, 1.5, Number.MAX_VALUE]) {
      const d = refusal(() => checkRequest({ csr, validity_duration: validity }, bounds));
      expect([d.code, d.reason]).toEqual(['INVALID_ARGUMENT', 'bad-validity']);
    }
    expect(refusal(() => checkRequest({ csr, validity_duration: 86_401 }, bounds)).message).toMatch(/between 10 s and 86400 s/);
  });

  it('request - no CSR, a CSR that is not text, and a huge CSR are INVALID_ARGUMENT', () => {
    expect(refusal(() => checkRequest({}, bounds)).message).toMatch(/no CSR/);
    expect(refusal(() => checkRequest({ csr: '   ' }, bounds)).reason).toBe('bad-csr');
    expect(refusal(() => checkRequest({ csr: 42 }, bounds)).reason).toBe('bad-csr');
    const huge = refusal(() => checkRequest({ csr: 'A'.repeat(MAX_CSR_PEM_LENGTH + 1) }, bounds));
    expect([huge.code, huge.reason]).toEqual(['INVALID_ARGUMENT', 'bad-csr']);
    expect(huge.message).toContain(`more than the ${MAX_CSR_PEM_LENGTH} allowed`);
  });

  it('request - the CA’s refusals map to the right codes', () => {
    const cases: [unknown, string, string][] = [
      [new CsrError('multiple-uri-sans', 'CSR has 2 URI SANs'), 'INVALID_ARGUMENT', 'bad-csr'],
      [new CsrError('unsupported-key', 'CSR key must be ECDSA P-256, found rsa'), 'INVALID_ARGUMENT', 'bad-csr'],
      [new IssuanceError('identity-mismatch', 'CSR asks for a'), 'PERMISSION_DENIED', 'identity-mismatch'],
      [new IssuanceError('trust-domain-mismatch', 'CSR asks for b'), 'PERMISSION_DENIED', 'trust-domain-mismatch'],
      [new IssuanceError('names-not-granted', 'CSR asks for DNS names'), 'PERMISSION_DENIED', 'names-not-granted'],
      [new IssuanceError('bad-lifetime', 'lifetime'), 'INVALID_ARGUMENT', 'bad-validity'],
      [new IssuanceError('ca-not-valid', 'expired'), 'INTERNAL', 'internal'],
    ];
    for (const [err, code, reason] of cases) {
      const d = denialOfIssuanceError(err);
      expect([d?.code, d?.reason]).toEqual([code, reason]);
      expect(d?.message).toContain((err as Error).message);
    }
    expect(denialOfIssuanceError(new TypeError('bug'))).toBeUndefined();
  });
});
