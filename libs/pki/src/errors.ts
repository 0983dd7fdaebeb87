/** Base of every error this library throws, so callers can catch them as one family. */
export class PkiError extends Error {
  override readonly name: string = 'PkiError';
}

/** Why a string is not a Weft SPIFFE ID (or a trust domain). */
export type SpiffeIdProblem =
  | 'too-long'
  | 'bad-scheme'
  | 'bad-trust-domain'
  | 'userinfo-or-port'
  | 'query-or-fragment'
  | 'bad-path'
  | 'not-a-workload-path'
  | 'bad-namespace'
  | 'bad-service-account';

export class SpiffeIdError extends PkiError {
  override readonly name = 'SpiffeIdError';
  constructor(
    readonly reason: SpiffeIdProblem,
    message: string,
  ) {
    super(message);
  }
}

/** A key that cannot be read, or is not the kind this library accepts. */
export type KeyProblem = 'not-pem' | 'malformed' | 'unsupported-key';

export class KeyError extends PkiError {
  override readonly name = 'KeyError';
  constructor(
    readonly reason: KeyProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Why a certificate signing request was refused. All of these are the caller's fault (INVALID_ARGUMENT). */
export type CsrProblem =
  | 'too-large'
  | 'not-pem'
  | 'malformed'
  | 'unsupported-key'
  | 'unsupported-signature-algorithm'
  | 'bad-signature'
  | 'no-uri-san'
  | 'multiple-uri-sans'
  | 'unsupported-san'
  | 'not-spiffe-id'
  // Refused only where the CSR is signed as it is (the cert-manager bridge): the SVID's subject stays empty and it
  // carries no extension the caller chose.
  | 'subject-not-empty'
  | 'unsupported-extension';

export class CsrError extends PkiError {
  override readonly name = 'CsrError';
  constructor(
    readonly reason: CsrProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Why CA material (generated or plugged in) was refused. */
export type CaProblem =
  | 'malformed'
  | 'unsupported-key'
  | 'key-mismatch'
  | 'not-a-ca'
  | 'chain-broken'
  | 'expired'
  | 'bad-lifetime';

export class CaError extends PkiError {
  override readonly name = 'CaError';
  constructor(
    readonly reason: CaProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Why the CA refused to sign. `identity-mismatch`, `trust-domain-mismatch` and `names-not-granted` mean the request
 * asked for more than it was authorised for (PERMISSION_DENIED); the others are bad arguments or a CA out of validity.
 */
export type IssuanceProblem =
  | 'identity-mismatch'
  | 'trust-domain-mismatch'
  | 'names-not-granted'
  | 'bad-dns-name'
  | 'bad-lifetime'
  | 'ca-not-valid';

export class IssuanceError extends PkiError {
  override readonly name = 'IssuanceError';
  constructor(
    readonly reason: IssuanceProblem,
    message: string,
  ) {
    super(message);
  }
}

/** A trust bundle input that is not a set of CA certificates. */
export type BundleProblem = 'too-large' | 'not-pem' | 'malformed' | 'not-a-ca';

export class BundleError extends PkiError {
  override readonly name = 'BundleError';
  constructor(
    readonly reason: BundleProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
