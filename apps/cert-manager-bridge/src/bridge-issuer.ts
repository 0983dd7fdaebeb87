import { CertificateDenial, checkCsrIdentity, denialOfIssuanceError, formatSpiffeId, IssuanceError, issueAudited } from '@weft/pki';
import type { CertificateCall, CertificateCallHandler, CertificateMetrics, LifetimeBounds, RateLimiter, SpiffeIdParts, TokenAuthenticator, VerifiedCsr, WeftCertificateResponse, WorkloadAccount } from '@weft/pki';
import type { Logger } from '@weft/telemetry';
import { SignerError } from './cert-manager-signer.js';
import type { CsrSigner, SignerProblem } from './cert-manager-signer.js';
import type { MeshNameGrants } from './workload-mesh-names.js';
import { answerOf } from './trust-material.js';
import type { SvidAnswer } from './trust-material.js';

export interface BridgeIssuerOptions {
  readonly trustDomain: string;
  readonly authenticator: TokenAuthenticator;
  readonly limiter: RateLimiter;
  /** maxLifetimeMs bounds what an agent may ask; defaultLifetimeMs is what 0 ("the default") gets. */
  readonly bounds: LifetimeBounds & { readonly defaultLifetimeMs: number };
  readonly signer: CsrSigner;
  /** The mesh names a pod-bound caller may put in its CSR's DNS SANs; absent: none (a CSR with DNS names is refused). */
  readonly meshNames?: MeshNameGrants;
  /** Roots the operator configured (--trust-bundle-file); undefined: the issuer's status.ca. Throws when unreadable. */
  readonly configuredRoots?: () => readonly string[];
  readonly metrics: CertificateMetrics;
  /** Told of every trust bundle answered, for the CA expiry gauge and /debug/bridge. */
  readonly onAnswer?: (answer: SvidAnswer) => void;
  /** Audit log: one line per issuance and per denial. */
  readonly log: Logger;
}

const DENIAL_OF: Readonly<Record<SignerProblem, 'signer-denied' | 'signer-failed' | 'signer-timeout' | 'api-unavailable'>> = {
  denied: 'signer-denied',
  failed: 'signer-failed',
  timeout: 'signer-timeout',
  unavailable: 'api-unavailable',
};

/**
 * The bridge's decision, step for step the control plane's (issueAudited): authenticate the token, rate-limit the
 * identity, check the request, check the CSR asks for exactly the token's own SPIFFE ID and only DNS names among the
 * mesh names granted to the token's pod (cert-manager signs the CSR as it is, so this is the only check), then let
 * cert-manager sign. Throws CertificateDenial; every outcome is
 * one audit line and counted.
 */
export class BridgeIssuer implements CertificateCallHandler {
  readonly #options: BridgeIssuerOptions;

  constructor(options: BridgeIssuerOptions) {
    this.#options = options;
  }

  createCertificate(call: CertificateCall): Promise<WeftCertificateResponse> {
    return issueAudited(call, { ...this.#options, denialOf: signerDenialOf }, async (account, checked, context) => {
      const spiffeId = { trustDomain: this.#options.trustDomain, namespace: account.namespace, serviceAccount: account.serviceAccount };
      let csr: VerifiedCsr;
      try {
        csr = await this.#checkCsr(checked.csrPem, spiffeId, account);
      } catch (err) {
        throw denialOfIssuanceError(err) ?? err;
      }
      const uri = formatSpiffeId(spiffeId);
      const roots = this.#roots();
      const lifetimeMs = checked.lifetimeMs ?? this.#options.bounds.defaultLifetimeMs;
      const signed = await this.#options.signer.sign({ csrPem: checked.csrPem, durationSeconds: Math.round(lifetimeMs / 1000), spiffeId: uri });
      context['certificateRequest'] = signed.requestName;
      const answer = answerOf(signed, uri, roots);
      this.#options.onAnswer?.(answer);
      return {
        response: { cert_chain: answer.certChain, trust_bundle: answer.trustBundle },
        audit: {
          identity: uri,
          ...(csr.dnsNames.length === 0 ? {} : { dnsNames: csr.dnsNames }),
          serial: answer.leaf.serialNumber,
          notAfter: new Date(answer.leaf.validTo).toISOString(),
        },
      };
    });
  }

  /**
   * checkCsrIdentity against the names the watched caches grant; a CSR asking for more is checked once again against
   * the pod and Services read from the API server (the caches may lag the snapshot that told the agent its names).
   */
  async #checkCsr(csrPem: string, spiffeId: SpiffeIdParts, account: WorkloadAccount): Promise<VerifiedCsr> {
    const grants = this.#options.meshNames;
    try {
      return checkCsrIdentity({ csrPem, spiffeId, dnsNames: grants?.cached(account) ?? [] });
    } catch (err) {
      if (grants === undefined || account.podName === undefined || !(err instanceof IssuanceError) || err.reason !== 'names-not-granted') throw err;
      let fresh: readonly string[];
      try {
        fresh = await grants.fresh(account);
      } catch (cause) {
        throw new CertificateDenial('api-unavailable', `cannot read pod ${account.namespace}/${account.podName} and its Services: ${(cause as Error).message}`, { cause });
      }
      return checkCsrIdentity({ csrPem, spiffeId, dnsNames: fresh });
    }
  }

  #roots(): readonly string[] | undefined {
    const configured = this.#options.configuredRoots;
    if (configured === undefined) return undefined;
    try {
      return configured();
    } catch (err) {
      throw new CertificateDenial('signer-failed', `cannot read the configured trust bundle: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** The denial a SignerError stands for; undefined for any other error. */
function signerDenialOf(err: unknown): CertificateDenial | undefined {
  return err instanceof SignerError ? new CertificateDenial(DENIAL_OF[err.problem], err.message, { cause: err }) : undefined;
}
