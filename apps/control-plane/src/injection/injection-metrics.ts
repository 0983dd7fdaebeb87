import { Counter, Histogram } from 'prom-client';
import type { Registry } from '@weft/telemetry';

/**
 * Results of admission requests, a closed set: injected, host_network (skipped with a reason annotation),
 * not_selected (namespace or pod opted out), already_injected, ignored (not a pod CREATE), refused (bad input,
 * allowed: false), error (the injector failed, allowed: false) and invalid (not an AdmissionReview, HTTP 400).
 */
export type InjectionResult = 'injected' | 'host_network' | 'not_selected' | 'already_injected' | 'ignored' | 'refused' | 'error' | 'invalid';

export interface InjectionMetrics {
  readonly injections: Counter<'result'>;
  readonly reviewSeconds: Histogram;
  readonly caBundleWrites: Counter<'result'>;
}

export function createInjectionMetrics(registry: Registry): InjectionMetrics {
  const registers = [registry];
  return {
    injections: new Counter({
      name: 'weft_injections_total',
      help: 'Admission requests of the sidecar injection webhook by result: injected, host_network, not_selected, already_injected, ignored, refused, error, invalid.',
      labelNames: ['result'],
      registers,
    }),
    reviewSeconds: new Histogram({
      name: 'weft_injection_review_duration_seconds',
      help: 'Time to answer one AdmissionReview, namespace lookup included.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    caBundleWrites: new Counter({
      name: 'weft_webhook_ca_bundle_writes_total',
      help: 'Reconciliations of the webhook configuration caBundle by result: updated, unchanged, not_found, failed.',
      labelNames: ['result'],
      registers,
    }),
  };
}
