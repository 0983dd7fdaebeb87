import type { CertificateAuthority } from '@weft/pki';
import type { Logger } from '@weft/telemetry';
import { CertificateDenial, checkRequest, denialOfIssuanceError, takeIdentityRequest } from '@weft/pki';
import type { CertificateMetrics, LifetimeBounds, RateLimiter, TokenAuthenticator, WeftCertificateResponse, WorkloadAccount } from '@weft/pki';

export interface CertificateIssuerOptions {
  /** The CA, or undefined while it is still being loaded. */
  readonly ca: () => CertificateAuthority | undefined;
  readonly authenticator: TokenAuthenticator;
  readonly limiter: RateLimiter;
  readonly bounds: LifetimeBounds;
  /** The DNS SANs the CA grants a workload besides its URI SAN (none unless a naming scheme needs some). */
  readonly grantDnsNames?: (account: WorkloadAccount) => readonly string[];
  readonly metrics: CertificateMetrics;
  /** Audit log: one line per issuance and per denial. */
  readonly log: Logger;
}

/** One call, whatever the transport: the bearer token, the decoded request, and who sent it. */
export interface CertificateCall {
  readonly token: string;
  readonly request: { readonly csr?: unknown; readonly validity_duration?: unknown };
  /** The client's address, for the audit line. */
  readonly peer: string;
}

/**
 * The certificate service's decision: authenticate the token (TokenReview), rate-limit the identity, check the
 * request, let the CA verify the CSR against that identity and sign. Throws CertificateDenial; every outcome is
 * one audit line and counted.
 */
export class CertificateIssuer {
  readonly #options: CertificateIssuerOptions;

  constructor(options: CertificateIssuerOptions) {
    this.#options = options;
  }

  async createCertificate(call: CertificateCall): Promise<WeftCertificateResponse> {
    const { metrics, log } = this.#options;
    const started = performance.now();
    let account: WorkloadAccount | undefined;
    try {
      account = await this.#options.authenticator.authenticate(call.token);
      takeIdentityRequest(this.#options.limiter, account);
      const checked = checkRequest(call.request, this.#options.bounds);
      const ca = this.#options.ca();
      if (ca === undefined) throw new CertificateDenial('api-unavailable', 'the CA is still being loaded; retry shortly');
      const svid = await ca
        .issueSvid({
          csrPem: checked.csrPem,
          spiffeId: { trustDomain: ca.trustDomain, namespace: account.namespace, serviceAccount: account.serviceAccount },
          dnsNames: this.#options.grantDnsNames?.(account) ?? [],
          ...(checked.lifetimeMs === undefined ? {} : { lifetimeMs: checked.lifetimeMs }),
        })
        .catch((err: unknown) => {
          throw denialOfIssuanceError(err) ?? err;
        });
      const seconds = (performance.now() - started) / 1000;
      metrics.issued.inc();
      metrics.issueSeconds.observe(seconds);
      log.info(
        {
          audit: 'issued',
          identity: svid.spiffeId.uri,
          serial: svid.serialNumber,
          notAfter: svid.notAfter.toISOString(),
          dnsNames: svid.dnsNames,
          peer: call.peer,
          durationMs: Math.round(seconds * 1e4) / 10,
        },
        'certificate issued',
      );
      return { cert_chain: splitPem(svid.chainPem), trust_bundle: svid.trustBundle.roots.map((root) => root.pem) };
    } catch (err) {
      const denial = err instanceof CertificateDenial ? err : new CertificateDenial('internal', 'internal error while issuing the certificate', { cause: err });
      metrics.denials.inc({ reason: denial.reason });
      metrics.issueSeconds.observe((performance.now() - started) / 1000);
      log.warn(
        {
          audit: 'denied',
          ...(account === undefined ? {} : { identity: `${account.namespace}/${account.serviceAccount}` }),
          reason: denial.reason,
          code: denial.code,
          peer: call.peer,
          err: denial.message,
          ...(denial.reason === 'internal' ? { cause: (err as Error).message } : {}),
        },
        'certificate denied',
      );
      throw denial;
    }
  }
}

/** One PEM block per entry, as the response lists them. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN [^-]+-----[\s\S]+?-----END [^-]+-----\n?/g) ?? [];
}
