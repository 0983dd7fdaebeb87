import { X509Certificate } from 'node:crypto';
import { readSecret } from '@weft/k8s';
import type { KubeHttp } from '@weft/k8s';
import { loadPluggedCa, materialFromCacerts } from '@weft/pki';
import { fail, ok, reason, warn } from './check-result.js';
import type { CheckResult } from './check-result.js';

export interface CaCheckOptions {
  readonly http: KubeHttp;
  readonly namespace: string;
  readonly secretName: string;
  readonly trustDomain: string;
  /** A CA certificate that expires sooner than this is a WARN. */
  readonly expiryWarningMs: number;
  readonly now: Date;
}

export interface CaCheck {
  readonly result: CheckResult;
  /** The roots (PEM) of a usable CA: what the webhook's caBundle must hold. */
  readonly rootsPem?: string;
}

const DAY_MS = 24 * 3600_000;

/**
 * The CA Secret: present, in the cacerts layout, and a CA the control plane can sign with (the key matches ca.crt,
 * ca.crt is a CA valid now, the chain reaches a root of root-cert.pem — libs/pki's loadPluggedCa checks all of it).
 */
export async function checkCa(options: CaCheckOptions): Promise<CaCheck> {
  const secret = `${options.namespace}/${options.secretName}`;
  const name = `ca secret ${secret}`;
  let data;
  try {
    data = await readSecret(options.http, options.namespace, options.secretName);
  } catch (err) {
    return { result: fail(name, `could not be read: ${reason(err)}`, 'check the kubeconfig and that you may get secrets in the control plane’s namespace') };
  }
  if (data === undefined) {
    return {
      result: fail(name, 'not found', 'the control plane creates it at its first start (ca.mode selfSigned): check its pods; for ca.mode plugged create it with ca.crt, ca.key, cert-chain.pem, root-cert.pem (--ca-secret names it)'),
    };
  }
  const read = materialFromCacerts(data);
  if ('missing' in read) return { result: fail(name, `not in the cacerts layout: lacks ${read.missing.join(', ')}`, 'recreate the Secret with ca.crt, ca.key, cert-chain.pem and root-cert.pem') };
  try {
    await loadPluggedCa({ ...read.material, trustDomain: options.trustDomain, now: options.now });
  } catch (err) {
    return {
      result: fail(name, `not a usable CA: ${reason(err)}`, 'replace the Secret with a valid CA (ca.mode plugged), or delete it and restart the control plane to generate a new self-signed root (every workload certificate is then reissued)'),
    };
  }
  const caCert = new X509Certificate(read.material.caCert);
  const validTo = new Date(caCert.validTo);
  const leftMs = validTo.getTime() - options.now.getTime();
  const subject = caCert.subject.replace(/\n/g, ', ') || '(empty subject)';
  if (leftMs < options.expiryWarningMs) {
    return {
      result: warn(name, `valid CA "${subject}", but it expires in ${Math.floor(leftMs / DAY_MS)} days (${validTo.toISOString()})`, 'rotate the CA before it expires: workload certificates cannot outlive it'),
      rootsPem: read.material.rootCert,
    };
  }
  return { result: ok(name, `valid CA "${subject}" until ${validTo.toISOString()}; key matches, chain reaches root-cert.pem`), rootsPem: read.material.rootCert };
}
