import { X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { CaAnswer } from './ca-client.js';

/** The certificate service answered with something this agent must not use. */
export class SvidAnswerError extends Error {
  override readonly name = 'SvidAnswerError';
}

/** A checked answer: our key, our identity, a chain that ends in the bundle. */
export interface CheckedSvid {
  readonly certificatePem: string;
  /** Leaf then intermediates. */
  readonly chainPem: string;
  readonly trustBundlePem: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

function parse(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new SvidAnswerError(`the ${what} in the answer is not a readable certificate`, { cause: err });
  }
}

const joinPem = (pems: readonly string[]): string => pems.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/**
 * Checks the certificate service's answer before it replaces anything: the leaf certifies our private key, carries
 * exactly our SPIFFE ID as its one URI SAN, is valid at `now`, and chains through the intermediates to a root of the
 * returned bundle. Throws SvidAnswerError naming the first problem.
 */
export function checkAnswer(answer: CaAnswer, expected: { readonly spiffeId: string; readonly privateKey: KeyObject }, now: Date): CheckedSvid {
  const [leafPem, ...intermediatePems] = answer.certChain;
  if (leafPem === undefined) throw new SvidAnswerError('the answer has no certificate');
  if (answer.trustBundle.length === 0) throw new SvidAnswerError('the answer has no trust bundle');
  const leaf = parse(leafPem, 'SVID');
  const intermediates = intermediatePems.map((pem, i) => parse(pem, `intermediate #${i + 1}`));
  const roots = answer.trustBundle.map((pem, i) => parse(pem, `bundle root #${i + 1}`));
  if (!leaf.checkPrivateKey(expected.privateKey)) throw new SvidAnswerError('the SVID does not certify this agent’s key');
  const uris = (leaf.subjectAltName ?? '').split(', ').filter((name) => name.startsWith('URI:'));
  if (uris.length !== 1 || uris[0] !== `URI:${expected.spiffeId}`) {
    throw new SvidAnswerError(`the SVID is for ${uris.join(' ') || 'no URI SAN'}, not ${expected.spiffeId}`);
  }
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notAfter <= now || notBefore > now) throw new SvidAnswerError(`the SVID is not valid now (${leaf.validFrom} - ${leaf.validTo})`);
  let top = leaf;
  for (const [i, issuer] of intermediates.entries()) {
    if (!signedBy(top, issuer)) throw new SvidAnswerError(`certificate #${i + 1} of the chain is not signed by the next one`);
    top = issuer;
  }
  if (!roots.some((root) => signedBy(top, root))) throw new SvidAnswerError('the chain does not end in a root of the returned trust bundle');
  return {
    certificatePem: leafPem,
    chainPem: joinPem(answer.certChain),
    trustBundlePem: joinPem(answer.trustBundle),
    serialNumber: leaf.serialNumber,
    notBefore,
    notAfter,
  };
}
