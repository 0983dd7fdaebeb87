import { createCsr, exportPrivateKeyPem, formatSpiffeId, generateKeyPair, nextRotation } from '@weft/pki';
import type { ServingCertificate, SpiffeIdParts } from '@weft/pki';
import type { CsrSigner } from './cert-manager-signer.js';
import { answerOf } from './trust-material.js';

export interface ServingIdentityOptions {
  readonly signer: CsrSigner;
  /** The bridge's own identity. */
  readonly spiffeId: SpiffeIdParts;
  /** The names agents dial. */
  readonly dnsNames: readonly string[];
  readonly lifetimeMs: number;
  readonly configuredRoots?: () => readonly string[];
  /** Told the roots each serving certificate chains to (what agents need in --ca-root-file). */
  readonly onRoots?: (roots: readonly string[]) => void;
}

/**
 * How the bridge gets its own TLS certificate: from cert-manager too, through the same signer (a key made here, a
 * CertificateRequest for its SPIFFE ID and DNS names), so agents verify it with the issuer's CA, the trust bundle
 * the bridge hands out. Renewed by ServingCertificateProvider at half-life.
 */
export function servingIssuer(options: ServingIdentityOptions): () => Promise<ServingCertificate> {
  return async () => {
    const keys = await generateKeyPair();
    const csrPem = await createCsr({ keys, spiffeId: options.spiffeId, dnsNames: options.dnsNames });
    const uri = formatSpiffeId(options.spiffeId);
    const issuedAt = new Date();
    const signed = await options.signer.sign({ csrPem, durationSeconds: Math.round(options.lifetimeMs / 1000), spiffeId: uri });
    const answer = answerOf(signed, uri, options.configuredRoots?.());
    options.onRoots?.(answer.trustBundle);
    const notAfter = new Date(answer.leaf.validTo);
    return {
      keyPem: await exportPrivateKeyPem(keys.privateKey),
      chainPem: answer.certChain.join(''),
      serialNumber: answer.leaf.serialNumber,
      issuedAt,
      notAfter,
      renewAt: nextRotation({ notBefore: issuedAt, notAfter }, issuedAt),
    };
  };
}
