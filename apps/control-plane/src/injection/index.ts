// The sidecar injection webhook: a pure pod mutation (mutatePod), the AdmissionReview HTTPS server, and the keeper
// of the webhook configuration's caBundle.
//
//   API server ──POST /inject──▶ webhook-server ──▶ PodInjector ──▶ decideInjection ─▶ mutatePod ─▶ JSONPatch
//                                    ▲ TLS from RotatingCertificate ◀── ServingCertificateIssuer (Weft's CA)
//   MutatingWebhookConfiguration ◀── CaBundleKeeper (caBundle = CA roots)
export { admissionResponse, AdmissionReviewError, parseAdmissionReview, podOf } from './admission-review.js';
export { APISIX_CONFIG_ENV, apisixConfigYaml, apisixStartScript } from './apisix-config.js';
export { CaBundleKeeper } from './ca-bundle-keeper.js';
export { injectionConfig } from './config-entries.js';
export { createInjectionMetrics } from './injection-metrics.js';
export { describePod, mutatePod } from './mutate-pod.js';
export * as injectionNames from './names.js';
export { decideInjection } from './policy.js';
export { PodInjector } from './pod-injector.js';
export { RotatingCertificate, servingIssuerFromCa } from './serving-certificate.js';
export { checkInjectionSettings, INJECTION_DEFAULTS, InjectionSettingsError, parseResourceRequirements } from './settings.js';
export { checkInjectionConfig, controlPlaneVersion, injectionSettingsFrom, launchInjection, startInjection, webhookDnsNames } from './start-injection.js';
export { interceptionArgs, TrafficAnnotationError } from './traffic.js';
export { INJECT_PATH, startWebhookServer } from './webhook-server.js';

export type { AdmissionAnswer, AdmissionRequest } from './admission-review.js';
export type { CaBundleKeeperOptions } from './ca-bundle-keeper.js';
export type { InjectionMetrics, InjectionResult } from './injection-metrics.js';
export type { InjectedRecord, InjectionOutcome, InjectionStatus, PodContext } from './mutate-pod.js';
export type { InjectionDecision } from './policy.js';
export type { PodInjectorOptions, ReviewReply } from './pod-injector.js';
export type { PodLike } from './pod-types.js';
export type { RotatingCertificateOptions, ServingCertificate, ServingCertificateIssuer, ServingIdentity } from './serving-certificate.js';
export type { ConfigStore, InjectionSettings, ResourceRequirements } from './settings.js';
export type { Injection, InjectionLauncher, InjectionOptions } from './start-injection.js';
export type { TlsIdentity, WebhookServer, WebhookServerOptions } from './webhook-server.js';
