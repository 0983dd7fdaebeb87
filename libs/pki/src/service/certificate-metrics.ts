import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from '@weft/telemetry';

/** The certificate service's metrics. `reason` is a DenialReason (a closed set). */
export interface CertificateMetrics {
  readonly issued: Counter;
  readonly denials: Counter<'reason'>;
  readonly issueSeconds: Histogram;
  readonly tokenReviews: Counter<'result'>;
  /** Seconds until the CA certificate (ca.crt) expires. */
  readonly caExpirySeconds: Gauge;
  /** Seconds until the service's own serving certificate expires. */
  readonly servingExpirySeconds: Gauge;
}

/** When the CA and the serving certificate expire, read at each scrape. */
export interface ExpirySources {
  readonly caNotAfter: () => Date | undefined;
  readonly servingNotAfter: () => Date | undefined;
}

function secondsUntil(date: Date | undefined): number {
  return date === undefined ? 0 : Math.max(0, (date.getTime() - Date.now()) / 1000);
}

export function createCertificateMetrics(registry: Registry, expiry: ExpirySources): CertificateMetrics {
  const registers = [registry];
  return {
    issued: new Counter({ name: 'weft_certificates_issued_total', help: 'SVIDs signed by the certificate service.', registers }),
    denials: new Counter({
      name: 'weft_certificate_denials_total',
      help: 'Certificate requests refused, by reason (no-token, token-rejected, wrong-audience, identity-mismatch, bad-csr, rate-limited, api-unavailable, …).',
      labelNames: ['reason'],
      registers,
    }),
    issueSeconds: new Histogram({
      name: 'weft_certificate_issue_duration_seconds',
      help: 'Time from receiving a certificate request to answering it (authentication, TokenReview, signing).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    tokenReviews: new Counter({
      name: 'weft_certificate_token_reviews_total',
      help: 'Token checks by result: cached (no API call), shared (joined a TokenReview in flight), verified (checked locally against the issuer keys and the watched ServiceAccounts and pods, no API call), reviewed (a TokenReview sent).',
      labelNames: ['result'],
      registers,
    }),
    caExpirySeconds: new Gauge({
      name: 'weft_ca_expiry_seconds',
      help: 'Seconds until the signing CA certificate expires (0 before the CA is loaded).',
      registers,
      collect() {
        this.set(secondsUntil(expiry.caNotAfter()));
      },
    }),
    servingExpirySeconds: new Gauge({
      name: 'weft_certificate_service_serving_expiry_seconds',
      help: 'Seconds until the certificate service’s own TLS certificate expires (0 before it has one).',
      registers,
      collect() {
        this.set(secondsUntil(expiry.servingNotAfter()));
      },
    }),
  };
}
