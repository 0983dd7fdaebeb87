import type { Logger } from '@weft/telemetry';
import { admissionResponse, AdmissionReviewError, parseAdmissionReview, podOf } from './admission-review.js';
import type { AdmissionAnswer } from './admission-review.js';
import type { InjectionMetrics, InjectionResult } from './injection-metrics.js';
import { describePod, mutatePod } from './mutate-pod.js';
import type { InjectionOutcome } from './mutate-pod.js';
import type { InjectionSettings } from './settings.js';

export interface PodInjectorOptions {
  readonly settings: InjectionSettings;
  /** The labels of a namespace (the API server's, through libs/k8s); throws when it cannot tell. */
  readonly namespaceLabels: (namespace: string) => Promise<Readonly<Record<string, string>>>;
  /** The CA roots (PEM) injected agents verify the certificate service with: the current ones, read per pod. */
  readonly caRoots: () => string;
  /** The CA (PEM) of NATS's server certificate, read per pod; needed when settings.natsCaFile is set. */
  readonly natsCa?: () => string;
  readonly log: Logger;
  readonly metrics: InjectionMetrics;
}

/** The HTTP answer to one POST /inject: 200 with an AdmissionReview, or 400 with a message for a bad envelope. */
export type ReviewReply = { readonly status: 200; readonly review: unknown } | { readonly status: 400; readonly message: string };

/**
 * Answers AdmissionReviews: pod CREATEs go through mutatePod; anything else is allowed untouched. Every failure after
 * the envelope was read becomes `allowed: false` with its message (the API server shows it to the user), never a
 * crash; the configuration's failurePolicy decides what happens when the webhook cannot answer at all.
 */
export class PodInjector {
  constructor(private readonly options: PodInjectorOptions) {}

  async review(body: string): Promise<ReviewReply> {
    const started = process.hrtime.bigint();
    let request;
    try {
      request = parseAdmissionReview(body);
    } catch (err) {
      if (!(err instanceof AdmissionReviewError)) throw err;
      this.count('invalid');
      this.options.log.warn({ err: err.message }, 'refused a request that is not an AdmissionReview');
      return { status: 400, message: err.message };
    }
    const { answer, result } = await this.answer(request.uid, request);
    this.count(result);
    this.options.metrics.reviewSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return { status: 200, review: admissionResponse(request.uid, answer) };
  }

  private count(result: InjectionResult): void {
    this.options.metrics.injections.inc({ result });
  }

  private async answer(uid: string, request: ReturnType<typeof parseAdmissionReview>): Promise<{ answer: AdmissionAnswer; result: InjectionResult }> {
    const log = this.options.log;
    const isPodCreate = request.operation === 'CREATE' && request.subResource === undefined && (request.resource === undefined || (request.resource.group === '' && request.resource.resource === 'pods'));
    if (!isPodCreate) return { answer: { allowed: true }, result: 'ignored' };
    let pod;
    try {
      pod = podOf(request);
    } catch (err) {
      if (!(err instanceof AdmissionReviewError)) throw err;
      log.warn({ uid, err: err.message }, 'refused a malformed pod');
      return { answer: { allowed: false, code: 400, message: `weft sidecar injector: ${err.message}` }, result: 'refused' };
    }
    const namespace = request.namespace ?? pod.metadata?.namespace;
    if (namespace === undefined || namespace === '') {
      return { answer: { allowed: false, code: 400, message: 'weft sidecar injector: the request names no namespace' }, result: 'refused' };
    }
    const who = describePod(pod, namespace);
    let outcome: InjectionOutcome;
    try {
      const namespaceLabels = await this.options.namespaceLabels(namespace);
      const natsCaPem = this.options.natsCa?.();
      outcome = mutatePod(pod, { namespace, namespaceLabels, caRootsPem: this.options.caRoots(), ...(natsCaPem === undefined ? {} : { natsCaPem }) }, this.options.settings);
    } catch (err) {
      const message = `weft sidecar injector could not process ${who}: ${(err as Error).message}`;
      log.error({ uid, pod: who, err: (err as Error).message }, 'injection failed');
      return { answer: { allowed: false, code: 500, message }, result: 'error' };
    }
    const dryRun = request.dryRun;
    switch (outcome.result) {
      case 'injected':
        log.info({ uid, pod: who, dryRun, because: outcome.because, store: outcome.injected.configStore, added: outcome.status }, 'injected the sidecar');
        return { answer: { allowed: true, patch: outcome.patch }, result: 'injected' };
      case 'host-network':
        log.info({ uid, pod: who, dryRun, reason: outcome.reason }, 'skipped a host-network pod');
        return { answer: { allowed: true, patch: outcome.patch, warnings: [`weft: no sidecar for ${who}: ${outcome.reason}`] }, result: 'host_network' };
      case 'not-selected':
        log.debug({ uid, pod: who, reason: outcome.reason }, 'not injected');
        return { answer: { allowed: true }, result: 'not_selected' };
      case 'already-injected':
        log.debug({ uid, pod: who, reason: outcome.reason }, 'already injected');
        return { answer: { allowed: true }, result: 'already_injected' };
      case 'refused':
        log.warn({ uid, pod: who, reason: outcome.message }, 'refused a pod');
        return { answer: { allowed: false, code: 400, message: `weft sidecar injector: ${outcome.message}` }, result: 'refused' };
    }
  }
}
