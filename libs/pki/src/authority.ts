import type { TrustBundle } from './bundle.js';
import type { CaSigningKey } from './ca-key.js';
import type { ParsedCertificate } from './certificate.js';
import type { SvidPolicy } from './policy.js';
import type { SpiffeId, SpiffeIdParts } from './spiffe-id.js';
import { issueSvidCertificate } from './svid.js';

/** What the CA has decided to sign: the caller (certificate service) authorised this identity and these names. */
export interface IssueSvidRequest {
  readonly csrPem: string;
  /** The identity the caller authenticated (e.g. from a TokenReview), not what the CSR claims. */
  readonly spiffeId: SpiffeIdParts;
  /** DNS SANs the CA grants this workload; the CSR may ask for a subset of them, never others. */
  readonly dnsNames?: readonly string[];
  readonly lifetimeMs?: number;
  /** Issuance time; defaults to the clock. */
  readonly now?: Date;
}

export interface IssuedSvid {
  readonly spiffeId: SpiffeId;
  readonly dnsNames: readonly string[];
  /** The leaf SVID alone. */
  readonly certificatePem: string;
  /** Leaf then the intermediates up to (not including) the root: what a TLS peer presents. */
  readonly chainPem: string;
  /** The roots a peer's chain must end in. */
  readonly trustBundle: TrustBundle;
  /** Hexadecimal, as OpenSSL prints it. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** The CA's material in Istio's `cacerts` Secret layout, PEM each. */
export interface CaMaterial {
  /** `ca.crt`: the certificate that signs SVIDs. */
  readonly caCert: string;
  /** `ca.key`: its private key (PKCS#8). */
  readonly caKey: string;
  /** `cert-chain.pem`: ca.crt, the intermediates above it, and the root. */
  readonly certChain: string;
  /** `root-cert.pem`: the root(s) the chain ends in. */
  readonly rootCert: string;
}

/** @internal What the CA constructors have checked; built by `createSelfSignedRoot` and `loadPluggedCa`. */
export interface CaState {
  readonly trustDomain: string;
  readonly signer: CaSigningKey;
  readonly caCert: ParsedCertificate;
  /** caCert's subject Name, DER, copied as the issuer of every leaf. */
  readonly issuerName: Uint8Array;
  /** The key identifier every leaf's authorityKeyIdentifier carries. */
  readonly authorityKeyId: Uint8Array;
  /** Between caCert and the root, nearest first; empty when caCert is the root or directly under it. */
  readonly intermediates: readonly ParsedCertificate[];
  /** The root(s) of `root-cert.pem`. */
  readonly roots: readonly ParsedCertificate[];
  /** The root the chain from caCert ends in (caCert itself for a self-signed root). */
  readonly anchor: ParsedCertificate;
  readonly trustBundle: TrustBundle;
  readonly policy: Required<SvidPolicy>;
}

/** A CA that signs X.509 SVIDs for one trust domain. */
export class CertificateAuthority {
  readonly trustDomain: string;
  readonly trustBundle: TrustBundle;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The signing certificate (`ca.crt`). */
  readonly certificatePem: string;
  readonly #state: CaState;

  /** @internal Use `createSelfSignedRoot` or `loadPluggedCa`. */
  constructor(state: CaState) {
    this.#state = state;
    this.trustDomain = state.trustDomain;
    this.trustBundle = state.trustBundle;
    this.notBefore = new Date(state.caCert.node.validFrom);
    this.notAfter = new Date(state.caCert.node.validTo);
    this.certificatePem = state.caCert.pem;
  }

  /**
   * Signs the CSR's key for the authorised identity. Throws `CsrError` for a bad CSR and `IssuanceError` when the
   * CSR asks for another identity or names not granted, or the CA is not valid at `now`.
   */
  issueSvid(request: IssueSvidRequest): Promise<IssuedSvid> {
    // Signing is synchronous today; the promise keeps room for a remote signer (KMS, HSM) and turns throws into
    // rejections.
    return new Promise((resolve) => {
      resolve(issueSvidCertificate(this.#state, request));
    });
  }

  /** The CA's certificate, key and chain in the `cacerts` layout, to keep it in a Secret and load it back. */
  exportMaterial(): CaMaterial {
    const state = this.#state;
    const chain = [state.caCert, ...state.intermediates];
    if (state.anchor.fingerprint !== state.caCert.fingerprint) chain.push(state.anchor);
    return {
      caCert: state.caCert.pem,
      caKey: state.signer.pkcs8Pem,
      certChain: chain.map((cert) => cert.pem).join(''),
      rootCert: state.roots.map((root) => root.pem).join(''),
    };
  }
}
