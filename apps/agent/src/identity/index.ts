// The agent's identity: a key made in memory, a CSR with the projected ServiceAccount token to the certificate
// service, the SVID checked and kept in memory, rotated at half-life with jitter, retried with backoff on failure.
export { checkAnswer, SvidAnswerError } from './answer-check.js';
export { CaClient, CaRequestError } from './ca-client.js';
export { identityConfig, identityConfigProblems } from './config-entries.js';
export { createIdentityMetrics } from './identity-metrics.js';
export { CaRootFileError, startIdentity } from './start-identity.js';
export { SvidSource } from './svid-source.js';
export { readTokenFile, TokenFileError } from './token-file.js';
export type { CheckedSvid } from './answer-check.js';
export type { CaAnswer, CaClientOptions } from './ca-client.js';
export type { IdentityMetrics } from './identity-metrics.js';
export type { Identity } from './start-identity.js';
export type { Svid, SvidListener, SvidSourceOptions, SvidView } from './svid-source.js';
