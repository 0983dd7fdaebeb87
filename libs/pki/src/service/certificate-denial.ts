/** The gRPC status a refused request ends with. */
export type DenialCode = 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'INVALID_ARGUMENT' | 'RESOURCE_EXHAUSTED' | 'UNAVAILABLE' | 'INTERNAL';

/** Why a request was refused: the `reason` label of `weft_certificate_denials_total` and of the audit line (a closed set). */
export type DenialReason =
  | 'no-token'
  | 'token-rejected'
  | 'wrong-audience'
  | 'not-a-service-account'
  | 'identity-mismatch'
  | 'trust-domain-mismatch'
  | 'names-not-granted'
  | 'bad-csr'
  | 'bad-validity'
  | 'rate-limited'
  | 'api-unavailable'
  // The cert-manager bridge's signer: an approver denied the CertificateRequest, the issuer failed it (or returned
  // something unusable), or it was not finished in time.
  | 'signer-denied'
  | 'signer-failed'
  | 'signer-timeout'
  | 'internal';

const CODE_OF: Readonly<Record<DenialReason, DenialCode>> = {
  'no-token': 'UNAUTHENTICATED',
  'token-rejected': 'UNAUTHENTICATED',
  'wrong-audience': 'UNAUTHENTICATED',
  'not-a-service-account': 'PERMISSION_DENIED',
  'identity-mismatch': 'PERMISSION_DENIED',
  'trust-domain-mismatch': 'PERMISSION_DENIED',
  'names-not-granted': 'PERMISSION_DENIED',
  'bad-csr': 'INVALID_ARGUMENT',
  'bad-validity': 'INVALID_ARGUMENT',
  'rate-limited': 'RESOURCE_EXHAUSTED',
  'api-unavailable': 'UNAVAILABLE',
  'signer-denied': 'PERMISSION_DENIED',
  'signer-failed': 'UNAVAILABLE',
  'signer-timeout': 'UNAVAILABLE',
  internal: 'INTERNAL',
};

/** A refused certificate request: the status code, a reason from a closed set, and a message for the caller. */
export class CertificateDenial extends Error {
  override readonly name = 'CertificateDenial';
  readonly code: DenialCode;

  constructor(
    readonly reason: DenialReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = CODE_OF[reason];
  }
}
