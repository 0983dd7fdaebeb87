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
export { CertificateAuthority } from './authority.js';
export { TrustBundle, MAX_BUNDLE_PEM_LENGTH } from './bundle.js';
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
