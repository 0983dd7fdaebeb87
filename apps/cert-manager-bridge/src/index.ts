// The cert-manager bridge: Weft's certificate API, signed by cert-manager instead of the control plane's own CA.
//
//   agent ──CreateCertificate(csr, validity) + "authorization: Bearer <token>"──▶ listenGrpc (@weft/pki)
//     ▶ BridgeIssuer: TokenAuthenticator (TokenReview) → RateLimiter → checkRequest
//       → checkCsrIdentity (the CSR names exactly the token's own SPIFFE ID: cert-manager signs it as it is)
//       → CertManagerSigner: CertificateRequest (usages, duration, issuerRef) ─▶ cert-manager approves + signs
//         ◀── one watch of the bridge's labelled requests (Ready / Denied / Failed / timeout) ── then deleted
//       → answerOf: the chain checked (URI SAN, links up to the roots), status.ca (or --trust-bundle-file) as bundle
//   TLS: the bridge's own certificate, also through cert-manager, renewed at half-life.
export { BridgeIssuer } from './bridge-issuer.js';
export { CertManagerSigner, SignerError, SPIFFE_ID_ANNOTATION, SVID_USAGES } from './cert-manager-signer.js';
export { bridgeConfig, DEFAULT_CA_PORT, servingDnsNames } from './config.js';
export { runBridge } from './main.js';
export { servingIssuer } from './serving-identity.js';
export { MANAGED_BY_LABELS, startBridge } from './start-bridge.js';
export { answerOf, certificatesIn, TrustBundleFile } from './trust-material.js';
export type { BridgeIssuerOptions } from './bridge-issuer.js';
export type { CertManagerSignerOptions, CsrSigner, SignedCertificate, SignerProblem, SignRequest } from './cert-manager-signer.js';
export type { BridgeConfig } from './config.js';
export type { ServingIdentityOptions } from './serving-identity.js';
export type { Bridge, BridgeOptions } from './start-bridge.js';
export type { SvidAnswer } from './trust-material.js';
