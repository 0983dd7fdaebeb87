import type { CaMaterial } from './authority.js';

/**
 * The keys of a Secret in Istio's `cacerts` layout, by CaMaterial field; the first of each is Weft's own name
 * (`ca-cert.pem` / `ca-key.pem` are Istio's names for `ca.crt` / `ca.key`).
 */
export const CACERTS_KEYS: Readonly<Record<keyof CaMaterial, readonly string[]>> = {
  caCert: ['ca.crt', 'ca-cert.pem'],
  caKey: ['ca.key', 'ca-key.pem'],
  certChain: ['cert-chain.pem'],
  rootCert: ['root-cert.pem'],
};

/**
 * The CA material in a Secret's data (decoded text) in the cacerts layout, or the keys it lacks (each as
 * "ca.crt or ca-cert.pem"). Nothing is checked beyond presence: `loadPluggedCa` checks the material itself.
 */
export function materialFromCacerts(data: Readonly<Record<string, string>>): { readonly material: CaMaterial } | { readonly missing: readonly string[] } {
  const missing: string[] = [];
  const pick = (field: keyof CaMaterial): string => {
    const names = CACERTS_KEYS[field];
    const found = names.map((name) => data[name]).find((value) => value !== undefined && value.trim() !== '');
    if (found === undefined) missing.push(names.join(' or '));
    return found ?? '';
  };
  const material = { caCert: pick('caCert'), caKey: pick('caKey'), certChain: pick('certChain'), rootCert: pick('rootCert') };
  return missing.length > 0 ? { missing } : { material };
}
