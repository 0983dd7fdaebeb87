import { BundleError } from './errors.js';
import { readCertificates } from './certificate.js';
import type { ParsedCertificate } from './certificate.js';

/** One trusted root (or other trust anchor) of a bundle. */
export interface TrustRoot {
  readonly pem: string;
  /** SHA-256 of the DER, lowercase hex: the identity of a root in a bundle. */
  readonly fingerprint: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Larger than any plausible bundle; refused before parsing. */
export const MAX_BUNDLE_PEM_LENGTH = 1024 * 1024;

/**
 * An immutable set of trust anchors. Several roots are valid at once during a root rotation; roots are unique by
 * fingerprint and kept in fingerprint order, so two bundles with the same roots print the same PEM.
 */
export class TrustBundle {
  private constructor(readonly roots: readonly TrustRoot[]) {
    Object.freeze(this);
  }

  static empty(): TrustBundle {
    return new TrustBundle([]);
  }

  /** The CA certificates in `pem` (one or more blocks); throws `BundleError`. */
  static fromPem(pem: string): TrustBundle {
    return TrustBundle.empty().add(pem);
  }

  get size(): number {
    return this.roots.length;
  }

  get fingerprints(): readonly string[] {
    return this.roots.map((root) => root.fingerprint);
  }

  has(fingerprint: string): boolean {
    return this.roots.some((root) => root.fingerprint === fingerprint.toLowerCase());
  }

  /** A bundle with the roots of `pem` (or of another bundle) added; roots already present are kept once. */
  add(pem: string | TrustBundle): TrustBundle {
    const added = typeof pem === 'string' ? readRoots(pem) : pem.roots;
    return TrustBundle.of([...this.roots, ...added]);
  }

  /** A bundle without the root of this fingerprint, or without the roots of this PEM. */
  remove(fingerprintOrPem: string): TrustBundle {
    const gone = new Set(
      fingerprintOrPem.includes('-----BEGIN')
        ? readRoots(fingerprintOrPem).map((root) => root.fingerprint)
        : [fingerprintOrPem.toLowerCase()],
    );
    return TrustBundle.of(this.roots.filter((root) => !gone.has(root.fingerprint)));
  }

  /** A bundle without the roots that expired before `now` (the tail of a finished rotation). */
  withoutExpired(now: Date): TrustBundle {
    return TrustBundle.of(this.roots.filter((root) => root.notAfter >= now));
  }

  /** The roots as concatenated PEM blocks, in canonical order. */
  toPem(): string {
    return this.roots.map((root) => root.pem).join('');
  }

  equals(other: TrustBundle): boolean {
    return this.fingerprints.join(',') === other.fingerprints.join(',');
  }

  private static of(roots: readonly TrustRoot[]): TrustBundle {
    const unique = new Map<string, TrustRoot>();
    for (const root of roots) unique.set(root.fingerprint, root);
    const sorted = [...unique.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
    return new TrustBundle(Object.freeze(sorted.map((root) => Object.freeze(root))));
  }
}

function readRoots(pem: string): TrustRoot[] {
  if (pem.length > MAX_BUNDLE_PEM_LENGTH) {
    throw new BundleError('too-large', `trust bundle PEM is larger than ${MAX_BUNDLE_PEM_LENGTH} bytes`);
  }
  const read = readCertificates(pem, 'trust bundle');
  if (!read.ok) throw new BundleError(read.problem, read.message, { cause: read.cause });
  return read.certificates.map(toRoot);
}

function toRoot(cert: ParsedCertificate): TrustRoot {
  if (!cert.node.ca) {
    throw new BundleError('not-a-ca', `certificate "${cert.node.subject}" is not a CA (basicConstraints CA:FALSE)`);
  }
  return {
    pem: cert.pem,
    fingerprint: cert.fingerprint,
    subject: cert.node.subject,
    notBefore: new Date(cert.node.validFrom),
    notAfter: new Date(cert.node.validTo),
  };
}
