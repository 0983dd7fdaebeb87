// The certificate service: CSR + projected ServiceAccount token (TokenReview) → X.509 SVID, over gRPC/TLS.
//
//   agent ──CreateCertificate(csr, validity) + "authorization: Bearer <token>"──▶ grpc-server
//     ▶ CertificateIssuer: TokenAuthenticator (TokenReviewCache, TokenReview) → RateLimiter (per identity)
//       → checkRequest → CertificateAuthority.issueSvid (CSR identity must be the token's) → audit line, metrics
//   CA: loadCertificateAuthority (self-signed root kept in a Secret, create-if-absent, or the user's cacerts Secret)
//   TLS: ServingCertificateProvider (the control plane's own SVID + DNS names, renewed in place)
export { CaMaterialError, loadCertificateAuthority, materialOf } from './ca-material.js';
export { CertificateDenial } from './certificate-denial.js';
export { CertificateIssuer } from './certificate-issuer.js';
export { createCertificateMetrics } from './certificate-metrics.js';
export { certificateConfig, DEFAULT_CA_PORT } from './config-entries.js';
export { certificateDnsNames, certificateListenAddress, launchCertificateService } from './from-config.js';
export { bearerToken, MAX_REQUEST_BYTES } from './grpc-server.js';
export { RateLimiter } from './rate-limiter.js';
export { checkRequest, MIN_SVID_LIFETIME_MS } from './request-validation.js';
export { ServingCertificateProvider } from './serving-certificate.js';
export { startCertificateService } from './start-certificate-service.js';
export { serviceAccountOf, TokenAuthenticator } from './token-authenticator.js';
export { TokenReviewCache, tokenExpiryMs, tokenKey } from './token-cache.js';
export type { CaOrigin, LoadedCa } from './ca-material.js';
export type { DenialCode, DenialReason } from './certificate-denial.js';
export type { CertificateCall } from './certificate-issuer.js';
export type { CertificateMetrics } from './certificate-metrics.js';
export type { CaListen } from './config-entries.js';
export type { RateDecision } from './rate-limiter.js';
export type { CertificateService, CertificateServiceOptions } from './start-certificate-service.js';
export type { WorkloadAccount } from './token-cache.js';
