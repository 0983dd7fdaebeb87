import { createCsr, exportPrivateKeyPem, generateKeyPair, nextRotation } from '@weft/pki';
import type { CertificateAuthority } from '@weft/pki';
import type { Logger } from '@weft/telemetry';

/** A TLS server identity and the roots a client must trust to accept it. */
export interface ServingCertificate {
  readonly keyPem: string;
  /** Leaf first, then intermediates. */
  readonly chainPem: string;
  /** The CA roots: what goes into the webhook configuration's caBundle. */
  readonly caBundlePem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Anything that can certify a serving key for DNS names: Weft's CA, or a test's. */
export interface ServingCertificateIssuer {
  issueServingCertificate(dnsNames: readonly string[]): Promise<ServingCertificate>;
}

/** The control plane's own workload identity: its serving certificates carry its SPIFFE ID besides the DNS names. */
export interface ServingIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * An issuer backed by Weft's CA: a fresh P-256 key per certificate (it never leaves this process), signed as the
 * control plane's SVID with the DNS names API servers dial. `ca` is read on each issuance, so a CA reloaded or rotated
 * by the certificate service is picked up at the next renewal.
 */
export function servingIssuerFromCa(ca: () => CertificateAuthority, identity: ServingIdentity): ServingCertificateIssuer {
  return {
    async issueServingCertificate(dnsNames) {
      const authority = ca();
      const spiffeId = { trustDomain: authority.trustDomain, namespace: identity.namespace, serviceAccount: identity.serviceAccount };
      const keys = await generateKeyPair();
      const csrPem = await createCsr({ keys, spiffeId, dnsNames });
      const svid = await authority.issueSvid({ csrPem, spiffeId, dnsNames });
      return {
        keyPem: await exportPrivateKeyPem(keys.privateKey),
        chainPem: svid.chainPem,
        caBundlePem: svid.trustBundle.toPem(),
        notBefore: svid.notBefore,
        notAfter: svid.notAfter,
      };
    },
  };
}

export interface RotatingCertificateOptions {
  readonly issuer: ServingCertificateIssuer;
  readonly dnsNames: readonly string[];
  readonly log: Logger;
  /** Called with each renewed certificate (not the first): reload the TLS context, refresh the caBundle. */
  readonly onRenewed: (certificate: ServingCertificate) => void;
  /** Wait before retrying a failed renewal. */
  readonly retryMs?: number;
  readonly now?: () => Date;
}

/**
 * A serving certificate renewed at half-life (with jitter) until stopped; a failed renewal keeps the current one.
 * Half-life counts from issuance, not from notBefore: the CA back-dates notBefore for clock skew (5 minutes), and a
 * lifetime measured from there would put renewal in the past for short-lived certificates, renewing in a loop.
 */
export class RotatingCertificate {
  #current: ServingCertificate;
  /** Planned once per certificate, so the jitter is drawn once. */
  #renewAt: Date;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  private constructor(private readonly options: RotatingCertificateOptions, first: ServingCertificate) {
    this.#current = first;
    this.#renewAt = this.plan(first);
  }

  /** Half of the validity left at issuance (now), with jitter. */
  private plan(certificate: ServingCertificate): Date {
    const issuedAt = this.now();
    return nextRotation({ notBefore: issuedAt, notAfter: certificate.notAfter }, issuedAt);
  }

  /** When the current certificate will be renewed. */
  get renewAt(): Date {
    return this.#renewAt;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Issues the first certificate (throws if the CA cannot) and schedules its renewals. */
  static async start(options: RotatingCertificateOptions): Promise<RotatingCertificate> {
    const rotating = new RotatingCertificate(options, await options.issuer.issueServingCertificate(options.dnsNames));
    rotating.schedule();
    return rotating;
  }

  get current(): ServingCertificate {
    return this.#current;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  private schedule(delayMs?: number): void {
    if (this.#stopped) return;
    const wait = delayMs ?? this.#renewAt.getTime() - this.now().getTime();
    // setTimeout takes at most 2^31-1 ms (~24.8 days); a longer wait just re-plans when it fires.
    this.#timer = setTimeout(() => void this.renew(), Math.min(Math.max(0, wait), 2 ** 31 - 1));
    this.#timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.#renewAt.getTime() > this.now().getTime()) {
      this.schedule();
      return;
    }
    try {
      const next = await this.options.issuer.issueServingCertificate(this.options.dnsNames);
      if (this.#stopped) return;
      this.#current = next;
      this.#renewAt = this.plan(next);
      this.options.log.info({ dnsNames: this.options.dnsNames, notAfter: next.notAfter.toISOString() }, 'renewed the webhook serving certificate');
      this.options.onRenewed(next);
      this.schedule();
    } catch (err) {
      const retryMs = this.options.retryMs ?? 30_000;
      this.options.log.error({ err: (err as Error).message, retryInMs: retryMs, notAfter: this.#current.notAfter.toISOString() }, 'could not renew the webhook serving certificate; keeping the current one');
      this.schedule(retryMs);
    }
  }
}
