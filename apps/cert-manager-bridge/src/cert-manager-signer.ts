import { randomBytes } from 'node:crypto';
import { CertificateRequestGoneError, CertificateRequestTimeoutError, KubeApiError, KubeConnectionError } from '@weft/k8s';
import type { CertificateRequests, IssuerRef, KeyUsage } from '@weft/k8s';
import type { Logger } from '@weft/telemetry';

/** Every SVID is used both ways in mTLS: the sidecar serves with it and presents it as a client. */
export const SVID_USAGES: readonly KeyUsage[] = ['digital signature', 'client auth', 'server auth'];

/** What cert-manager returned: `status.certificate` (leaf first) and `status.ca` (may be empty). */
export interface SignedCertificate {
  readonly certificatePem: string;
  readonly caPem: string;
  /** The CertificateRequest that carried it (for the audit line). */
  readonly requestName: string;
}

export type SignerProblem = 'denied' | 'failed' | 'timeout' | 'unavailable';

/** The signer could not return a certificate; `problem` picks the gRPC status, the message says why. */
export class SignerError extends Error {
  override readonly name = 'SignerError';
  constructor(
    readonly problem: SignerProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface SignRequest {
  readonly csrPem: string;
  readonly durationSeconds: number;
  /** Who the certificate is for, recorded on the request (annotation) for whoever reads it in the cluster. */
  readonly spiffeId: string;
}

/** Signs a CSR as it is; the caller has checked it. */
export interface CsrSigner {
  sign(request: SignRequest): Promise<SignedCertificate>;
}

export interface CertManagerSignerOptions {
  readonly requests: CertificateRequests;
  readonly issuerRef: IssuerRef;
  readonly timeoutMs: number;
  readonly log: Logger;
}

/** Annotation naming the SPIFFE ID a request is for. */
export const SPIFFE_ID_ANNOTATION = 'weft.dev/spiffe-id';

/**
 * Signs through cert-manager: one CertificateRequest per CSR (spec.request = the CSR unchanged, spec.usages =
 * SVID_USAGES, spec.duration, the configured issuerRef), waits on the watch for it to be approved and issued, denied
 * or failed, and deletes it whatever happened.
 */
export class CertManagerSigner implements CsrSigner {
  readonly #options: CertManagerSignerOptions;

  constructor(options: CertManagerSignerOptions) {
    this.#options = options;
  }

  async sign(request: SignRequest): Promise<SignedCertificate> {
    const { requests, issuerRef, timeoutMs } = this.#options;
    // DNS-1123, 26 characters: random, so replicas and retries never collide.
    const name = `weft-svid-${randomBytes(8).toString('hex')}`;
    // Waiting starts before the create, so no change can slip by; `stop` ends the wait if the create fails.
    const stop = new AbortController();
    const outcome = requests.waitForOutcome(name, timeoutMs, stop.signal);
    outcome.catch(() => undefined); // awaited below, unless the create fails first
    try {
      try {
        await requests.create({ name, csrPem: request.csrPem, durationSeconds: request.durationSeconds, usages: SVID_USAGES, issuerRef, annotations: { [SPIFFE_ID_ANNOTATION]: request.spiffeId } });
      } catch (err) {
        throw createError(err, issuerRef);
      }
      let result;
      try {
        result = await outcome;
      } catch (err) {
        if (err instanceof CertificateRequestTimeoutError) throw new SignerError('timeout', err.message, { cause: err });
        if (err instanceof CertificateRequestGoneError) throw new SignerError('failed', err.message, { cause: err });
        throw err;
      }
      switch (result.state) {
        case 'issued':
          return { certificatePem: result.certificatePem, caPem: result.caPem, requestName: name };
        case 'denied':
          throw new SignerError('denied', `cert-manager denied CertificateRequest ${name}: ${result.reason}${result.message === '' ? '' : `: ${result.message}`}`);
        case 'failed':
        case 'pending':
          throw new SignerError('failed', `issuer ${issuerRef.kind}/${issuerRef.name} failed CertificateRequest ${name}: ${result.reason}${result.message === '' ? '' : `: ${result.message}`}`);
      }
    } finally {
      stop.abort();
      await requests.delete(name).catch((err: unknown) => {
        // The periodic sweep deletes it later.
        this.#options.log.warn({ request: name, err: (err as Error).message }, 'could not delete a finished CertificateRequest; the sweep will');
      });
    }
  }
}

function createError(err: unknown, issuerRef: IssuerRef): SignerError {
  if (err instanceof KubeConnectionError) return new SignerError('unavailable', `cannot reach the API server to create a CertificateRequest: ${err.message}`, { cause: err });
  if (err instanceof KubeApiError && err.status === 403) {
    return new SignerError('unavailable', `the API server forbids the bridge to create certificaterequests.cert-manager.io (${err.message}); grant its ServiceAccount create/get/list/watch/delete on them`, { cause: err });
  }
  if (err instanceof KubeApiError && err.status === 404) {
    return new SignerError('unavailable', `the API server does not serve certificaterequests.cert-manager.io: is cert-manager installed? (${err.message})`, { cause: err });
  }
  if (err instanceof KubeApiError && (err.status === 400 || err.status === 422)) {
    return new SignerError('failed', `the CertificateRequest for issuer ${issuerRef.kind}/${issuerRef.name} was refused: ${err.message}`, { cause: err });
  }
  if (err instanceof KubeApiError) return new SignerError('unavailable', `creating a CertificateRequest failed: ${err.message}`, { cause: err });
  return new SignerError('unavailable', `creating a CertificateRequest failed: ${(err as Error).message}`, { cause: err });
}
