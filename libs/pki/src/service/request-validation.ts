import { MAX_CSR_PEM_LENGTH } from '../csr.js';
import { CsrError, IssuanceError, SpiffeIdError } from '../errors.js';
import { CertificateDenial } from './certificate-denial.js';

/** Shortest SVID anyone may ask for: shorter ones would spend their life being renewed. */
export const MIN_SVID_LIFETIME_MS = 10_000;

export interface LifetimeBounds {
  /** The longest lifetime granted (--max-svid-lifetime). */
  readonly maxLifetimeMs: number;
  readonly minLifetimeMs?: number;
}

/** What a well-formed request asks for, before the CA looks inside the CSR. */
export interface CheckedRequest {
  readonly csrPem: string;
  /** undefined: the CA's default lifetime. */
  readonly lifetimeMs: number | undefined;
}

function shown(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? String(value) : typeof value;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/**
 * Checks the request's shape: a CSR that is a non-empty string of bounded size, and a validity of 0 (the default) or
 * a whole number of seconds within the bounds. Throws CertificateDenial (INVALID_ARGUMENT).
 */
export function checkRequest(request: { readonly csr?: unknown; readonly validity_duration?: unknown }, bounds: LifetimeBounds): CheckedRequest {
  const csr = request.csr;
  if (typeof csr !== 'string' || csr.trim() === '') throw new CertificateDenial('bad-csr', 'the request has no CSR: put the PEM certificate signing request in "csr"');
  if (csr.length > MAX_CSR_PEM_LENGTH) {
    throw new CertificateDenial('bad-csr', `the CSR is ${csr.length} bytes, more than the ${MAX_CSR_PEM_LENGTH} allowed`);
  }
  const validity = request.validity_duration ?? 0;
  if (typeof validity !== 'number' || !Number.isSafeInteger(validity) || validity < 0) {
    throw new CertificateDenial('bad-validity', `validity_duration must be a whole number of seconds >= 0, got ${shown(validity)}`);
  }
  if (validity === 0) return { csrPem: csr, lifetimeMs: undefined };
  const lifetimeMs = validity * 1000;
  const min = bounds.minLifetimeMs ?? MIN_SVID_LIFETIME_MS;
  if (lifetimeMs < min || lifetimeMs > bounds.maxLifetimeMs) {
    throw new CertificateDenial('bad-validity', `validity_duration ${validity} s is out of bounds: between ${seconds(min)} and ${seconds(bounds.maxLifetimeMs)}, or 0 for the default`);
  }
  return { csrPem: csr, lifetimeMs };
}

/** The denial for an error thrown by the CA while verifying and signing; undefined for anything unexpected. */
export function denialOfIssuanceError(err: unknown): CertificateDenial | undefined {
  if (err instanceof CsrError) return new CertificateDenial('bad-csr', `invalid CSR: ${err.message}`, { cause: err });
  if (err instanceof IssuanceError) {
    switch (err.reason) {
      case 'identity-mismatch':
        return new CertificateDenial('identity-mismatch', `${err.message}: a workload may only ask for its own ServiceAccount's identity`, { cause: err });
      case 'trust-domain-mismatch':
        return new CertificateDenial('trust-domain-mismatch', err.message, { cause: err });
      case 'names-not-granted':
        return new CertificateDenial('names-not-granted', err.message, { cause: err });
      case 'bad-lifetime':
        return new CertificateDenial('bad-validity', err.message, { cause: err });
      case 'bad-dns-name':
      case 'ca-not-valid':
        return new CertificateDenial('internal', `the CA cannot sign: ${err.message}`, { cause: err });
    }
  }
  if (err instanceof SpiffeIdError) return new CertificateDenial('internal', `cannot form the caller's SPIFFE ID: ${err.message}`, { cause: err });
  return undefined;
}
