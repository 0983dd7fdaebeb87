import type { CertificateAuthority } from '@weft/pki';
import type { Logger } from '@weft/telemetry';
import { CertificateDenial, denialOfIssuanceError, issueAudited } from '@weft/pki';
import type { CertificateCall, CertificateCallHandler, CertificateMetrics, LifetimeBounds, RateLimiter, TokenAuthenticator, WeftCertificateResponse, WorkloadAccount } from '@weft/pki';

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

/**
 * The certificate service's decision: authenticate the token (the API server's issuer keys, or TokenReview),
 * rate-limit the identity, check the request (issueAudited), then let the CA verify the CSR against that identity
 * and sign. Throws CertificateDenial; every outcome is one audit line and counted.
 */
export class CertificateIssuer implements CertificateCallHandler {
  readonly #options: CertificateIssuerOptions;

  constructor(options: CertificateIssuerOptions) {
    this.#options = options;
  }

  createCertificate(call: CertificateCall): Promise<WeftCertificateResponse> {
    return issueAudited(call, { ...this.#options, denialOf: denialOfIssuanceError }, async (account, checked) => {
      const ca = this.#options.ca();
      if (ca === undefined) throw new CertificateDenial('api-unavailable', 'the CA is still being loaded; retry shortly');
      const svid = await ca.issueSvid({
        csrPem: checked.csrPem,
        spiffeId: { trustDomain: ca.trustDomain, namespace: account.namespace, serviceAccount: account.serviceAccount },
        dnsNames: this.#options.grantDnsNames?.(account) ?? [],
        ...(checked.lifetimeMs === undefined ? {} : { lifetimeMs: checked.lifetimeMs }),
      });
      return {
        response: { cert_chain: splitPem(svid.chainPem), trust_bundle: svid.trustBundle.roots.map((root) => root.pem) },
        audit: { identity: svid.spiffeId.uri, serial: svid.serialNumber, notAfter: svid.notAfter.toISOString(), dnsNames: svid.dnsNames },
      };
    });
  }
}

/** One PEM block per entry, as the response lists them. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN [^-]+-----[\s\S]+?-----END [^-]+-----\n?/g) ?? [];
}
