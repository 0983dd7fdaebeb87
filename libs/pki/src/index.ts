// @weft/pki — SPIFFE identities and the CA that certifies them.
//
//   agent                                   CA (control plane)
//   generateKeyPair ─▶ createCsr ──CSR PEM──▶ verifyCsr ─▶ CertificateAuthority.issueSvid
//                                              (size, P-256,      │  identity + DNS names decided by the
//                                               signature, one    │  caller, never taken from the CSR
//                                               SPIFFE URI SAN)   ▼
//   nextRotation(notBefore, notAfter) ◀─── IssuedSvid { leaf, chain, TrustBundle }
//
//   CertificateAuthority ◀── createSelfSignedRoot │ loadPluggedCa(cacerts: ca.crt, ca.key, cert-chain.pem, root-cert.pem)
//   TrustBundle: several roots during a root rotation, unique by SHA-256 fingerprint, in fingerprint order.
//
//   service/: the certificate service's transport and checks, shared by the control plane's CA and the
//   cert-manager bridge (no Kubernetes here; TokenReview is a function the caller passes in):
//   listenGrpc (gRPC/TLS, ServingCertificateProvider) ─▶ CertificateCallHandler ◀── TokenAuthenticator
//   (TokenReviewCache) · RateLimiter · checkRequest · checkCsrIdentity · CertificateDenial · createCertificateMetrics
//   TokenAuthenticator: cache ─▶ review in flight ─▶ LocalTokenVerifier (JWKS + watched objects, given by the caller;
//   only ever accepts) ─▶ TokenReview (the authority for everything not accepted locally)
export { CertificateAuthority } from './authority.js';
export { TrustBundle, MAX_BUNDLE_PEM_LENGTH } from './bundle.js';
export { CertificateIdentityError, spiffeIdOfCertificate } from './certificate-identity.js';
export { CACERTS_KEYS, materialFromCacerts } from './cacerts.js';
export { createCsr, verifyCsr, MAX_CSR_PEM_LENGTH } from './csr.js';
export { BundleError, CaError, CsrError, IssuanceError, KeyError, PkiError, SpiffeIdError } from './errors.js';
export {
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  importPublicKeyPem,
} from './keys.js';
export { loadPluggedCa } from './plugged-ca.js';
export { DEFAULT_ROOT_LIFETIME_MS, DEFAULT_SVID_POLICY } from './policy.js';
export { createSelfSignedRoot } from './root-ca.js';
export { WEFT_CA_LOADER_OPTIONS, WEFT_CA_PROTO_DESCRIPTOR, WEFT_CA_SERVICE_NAME, weftCaServiceDefinition } from './service/ca-service.js';
export { nextRotation } from './rotation.js';
export { CertificateDenial } from './service/certificate-denial.js';
export { createCertificateMetrics } from './service/certificate-metrics.js';
export { checkCsrIdentity } from './service/csr-identity.js';
export { bearerToken, listenGrpc, MAX_REQUEST_BYTES } from './service/grpc-server.js';
export { issueAudited } from './service/audited-issuance.js';
export { RateLimiter, takeIdentityRequest } from './service/rate-limiter.js';
export { checkRequest, denialOfIssuanceError, MIN_SVID_LIFETIME_MS } from './service/request-validation.js';
export { ServingCertificateProvider } from './service/serving-certificate.js';
export { createTokenAuthenticator, POD_NAME_EXTRA, serviceAccountOf, TokenAuthenticator } from './service/token-authenticator.js';
export { MAX_NEGATIVE_TTL_MS, TokenReviewCache, tokenExpiryMs, tokenKey } from './service/token-cache.js';
export { CLOCK_SKEW_SECONDS, LocalTokenVerifier } from './service/local-token-verifier.js';
export { formatSpiffeId, parseSpiffeId, toSpiffeId, validateTrustDomain } from './spiffe-id.js';

export type { CaMaterial, IssuedSvid, IssueSvidRequest } from './authority.js';
export type { TrustRoot } from './bundle.js';
export type { CreateCsrOptions, VerifiedCsr } from './csr.js';
export type { BundleProblem, CaProblem, CsrProblem, IssuanceProblem, KeyProblem, SpiffeIdProblem } from './errors.js';
export type { LoadPluggedCaOptions } from './plugged-ca.js';
export type { SvidPolicy } from './policy.js';
export type { SelfSignedRootOptions } from './root-ca.js';
export type { RotationOptions, Validity } from './rotation.js';
export type { SpiffeId, SpiffeIdParts } from './spiffe-id.js';
export type { WeftCertificateRequest, WeftCertificateResponse } from './service/ca-service.js';
export type { DenialCode, DenialReason } from './service/certificate-denial.js';
export type { CertificateMetrics, ExpirySources } from './service/certificate-metrics.js';
export type { CsrIdentityCheck } from './service/csr-identity.js';
export type { CertificateCall, CertificateCallHandler, GrpcServerOptions, ListeningServer } from './service/grpc-server.js';
export type { IssuanceSteps, SignedAnswer } from './service/audited-issuance.js';
export type { RateDecision, RateLimiterOptions } from './service/rate-limiter.js';
export type { CheckedRequest, LifetimeBounds } from './service/request-validation.js';
export type { ServingCertificate, ServingCertificateOptions, ServingFromAuthority, ServingFromIssuer } from './service/serving-certificate.js';
export type { LocalVerificationSources, ReviewAnswer, ReviewToken, TokenAuthenticatorOptions, TokenLookup } from './service/token-authenticator.js';
export type { BoundObject, IssuerKeys, LocalTokenVerifierOptions, LocalVerdict, NotVerifiedReason, TokenSubjects } from './service/local-token-verifier.js';
export type { CachedReview, TokenCacheOptions, WorkloadAccount } from './service/token-cache.js';
export { certificateServiceEntries, certificateServiceParsers, certificateServiceSettings, parseListenAddress } from './service/config-parsers.js';
export type { CertificateServiceSettings } from './service/config-parsers.js';
export { retryUntilReady } from './service/retry-until-ready.js';
