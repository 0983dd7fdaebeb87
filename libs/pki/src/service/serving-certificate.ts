import type { experimental } from '@grpc/grpc-js';
import type { CertificateAuthority } from '../authority.js';
import { createCsr } from '../csr.js';
import { exportPrivateKeyPem, generateKeyPair } from '../keys.js';
import { nextRotation } from '../rotation.js';
import type { SpiffeIdParts } from '../spiffe-id.js';
import type { Logger } from '@weft/telemetry';

type IdentityListener = experimental.IdentityCertificateUpdateListener;
type CaListener = experimental.CaCertificateUpdateListener;

/** The service's own TLS identity: a key that never leaves this process and its SVID chain. */
export interface ServingCertificate {
  readonly keyPem: string;
  readonly chainPem: string;
  readonly serialNumber: string;
  readonly issuedAt: Date;
  readonly notAfter: Date;
  readonly renewAt: Date;
}

/** Issued by a CertificateAuthority held in this process (the control plane). */
export interface ServingFromAuthority {
  readonly ca: () => CertificateAuthority;
  /** The service's own identity (its namespace and ServiceAccount). */
  readonly identity: Omit<SpiffeIdParts, 'trustDomain'>;
  /** The names clients dial, e.g. weft-control-plane.weft-system.svc. */
  readonly dnsNames: readonly string[];
}

/** Issued by someone else (the cert-manager bridge asks cert-manager): makes a key and returns it with its chain. */
export interface ServingFromIssuer {
  readonly issue: () => Promise<ServingCertificate>;
}

export type ServingCertificateOptions = (ServingFromAuthority | ServingFromIssuer) & {
  readonly log: Logger;
  /** Wait before retrying a failed renewal: 10 s. */
  readonly retryMs?: number;
};

/**
 * The certificate service's serving certificate, issued by the same CA for the service's identity and DNS names (or
 * by `issue`), renewed at half-life with jitter (a failed renewal keeps the current one and retries). It is a grpc-js
 * CertificateProvider, so a renewal reaches the listening server without a restart.
 */
export class ServingCertificateProvider implements experimental.CertificateProvider {
  readonly #options: ServingCertificateOptions;
  readonly #listeners = new Set<IdentityListener>();
  #current: ServingCertificate;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  private constructor(options: ServingCertificateOptions, first: ServingCertificate) {
    this.#options = options;
    this.#current = first;
  }

  /** Issues the first certificate (throws when the CA cannot) and schedules its renewals. */
  static async start(options: ServingCertificateOptions): Promise<ServingCertificateProvider> {
    const provider = new ServingCertificateProvider(options, await issue(options));
    provider.#schedule();
    return provider;
  }

  get current(): ServingCertificate {
    return this.#current;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#listeners.add(listener);
    // Later, not now: grpc-js registers the server's own watcher only after this call returns, and would miss it.
    queueMicrotask(() => {
      if (this.#listeners.has(listener)) listener(update(this.#current));
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#listeners.delete(listener);
  }

  // Clients authenticate with their ServiceAccount token, not a certificate: no CA to verify them with.
  addCaCertificateListener(_listener: CaListener): void {
    /* no client certificates */
  }

  removeCaCertificateListener(_listener: CaListener): void {
    /* no client certificates */
  }

  // A method: the compiler would keep `this.#stopped` narrowed to false across the await.
  #isStopped(): boolean {
    return this.#stopped;
  }

  #schedule(delayMs?: number): void {
    if (this.#stopped) return;
    const wait = delayMs ?? this.#current.renewAt.getTime() - Date.now();
    this.#timer = setTimeout(() => void this.#renew(), Math.min(Math.max(0, wait), 2 ** 31 - 1));
    this.#timer.unref();
  }

  async #renew(): Promise<void> {
    if (this.#stopped) return;
    if (this.#current.renewAt.getTime() > Date.now()) {
      this.#schedule();
      return;
    }
    try {
      const next = await issue(this.#options);
      if (this.#isStopped()) return;
      this.#current = next;
      for (const listener of this.#listeners) listener(update(next));
      this.#options.log.info(
        { serial: next.serialNumber, notAfter: next.notAfter.toISOString(), renewAt: next.renewAt.toISOString() },
        'renewed the certificate service serving certificate',
      );
      this.#schedule();
    } catch (err) {
      const retryMs = this.#options.retryMs ?? 10_000;
      this.#options.log.error(
        { err: (err as Error).message, retryInMs: retryMs, notAfter: this.#current.notAfter.toISOString() },
        'could not renew the serving certificate; keeping the current one',
      );
      this.#schedule(retryMs);
    }
  }
}

function update(certificate: ServingCertificate): experimental.IdentityCertificateUpdate {
  return { certificate: Buffer.from(certificate.chainPem), privateKey: Buffer.from(certificate.keyPem) };
}

function issue(options: ServingCertificateOptions): Promise<ServingCertificate> {
  return 'issue' in options ? options.issue() : issueFromAuthority(options);
}

async function issueFromAuthority(options: ServingFromAuthority): Promise<ServingCertificate> {
  const ca = options.ca();
  const spiffeId = { ...options.identity, trustDomain: ca.trustDomain };
  const keys = await generateKeyPair();
  const csrPem = await createCsr({ keys, spiffeId, dnsNames: options.dnsNames });
  const issuedAt = new Date();
  const svid = await ca.issueSvid({ csrPem, spiffeId, dnsNames: options.dnsNames, now: issuedAt });
  return {
    keyPem: await exportPrivateKeyPem(keys.privateKey),
    chainPem: svid.chainPem,
    serialNumber: svid.serialNumber,
    issuedAt,
    notAfter: svid.notAfter,
    // From the issuance, not the back-dated notBefore: with short lifetimes the back-dating would dominate.
    renewAt: nextRotation({ notBefore: issuedAt, notAfter: svid.notAfter }, issuedAt),
  };
}
