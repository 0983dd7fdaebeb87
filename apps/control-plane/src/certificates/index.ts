// The certificate service: CSR + projected ServiceAccount token (TokenReview) → X.509 SVID, over gRPC/TLS.
//
//   agent ──CreateCertificate(csr, validity) + "authorization: Bearer <token>"──▶ listenGrpc (@weft/pki)
//     ▶ CertificateIssuer: TokenAuthenticator (TokenReviewCache, TokenReview) → RateLimiter (per identity)
//       → checkRequest → CertificateAuthority.issueSvid (CSR identity must be the token's) → audit line, metrics
//   CA: loadCertificateAuthority (self-signed root kept in a Secret, create-if-absent, or the user's cacerts Secret)
//   TLS: ServingCertificateProvider (the control plane's own SVID + DNS names, renewed in place)
//   The transport, token, rate-limit and request checks live in @weft/pki (service/), shared with the cert-manager
//   bridge.
export { CaMaterialError, loadCertificateAuthority, materialOf } from './ca-material.js';
export { CertificateIssuer } from './certificate-issuer.js';
export { certificateConfig, DEFAULT_CA_PORT } from './config-entries.js';
export { certificateDnsNames, certificateListenAddress, launchCertificateService } from './from-config.js';
export { startCertificateService } from './start-certificate-service.js';
export { meshNameGrants } from './mesh-name-grants.js';
export type { CaOrigin, LoadedCa } from './ca-material.js';
export type { CaListen } from './config-entries.js';
export type { CertificateService, CertificateServiceOptions } from './start-certificate-service.js';
