import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';
import type { KubeObject } from '../client/kube-object.js';

const COLLECTION = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

/** The parts of a MutatingWebhookConfiguration Weft reads and writes; every other field is kept as the server sent it. */
export interface MutatingWebhookConfiguration extends KubeObject {
  readonly webhooks?: readonly MutatingWebhook[];
}

export interface MutatingWebhook {
  readonly name: string;
  readonly clientConfig: {
    /** Base64 of the PEM bundle the API server trusts for this webhook. */
    readonly caBundle?: string;
    readonly url?: string;
    readonly service?: { readonly name: string; readonly namespace: string; readonly path?: string; readonly port?: number };
  };
  readonly failurePolicy?: 'Fail' | 'Ignore';
  readonly [field: string]: unknown;
}

/** What `setMutatingWebhookCaBundle` did. */
export type CaBundleWrite = 'updated' | 'unchanged' | 'not-found';

/** The configuration named `name`, or undefined when it does not exist. */
export async function readMutatingWebhookConfiguration(http: KubeHttp, name: string): Promise<MutatingWebhookConfiguration | undefined> {
  try {
    return await http.json<MutatingWebhookConfiguration>('GET', `${COLLECTION}/${encodeURIComponent(name)}`);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * Makes every webhook of the configuration trust `caBundlePem` (written base64, as the API wants it). Reads, compares
 * and writes with the read resourceVersion, so a concurrent edit (another replica, `helm upgrade`) is never
 * overwritten: a 409 reads again, up to `maxAttempts` times. A configuration without webhooks is left alone.
 */
export async function setMutatingWebhookCaBundle(http: KubeHttp, name: string, caBundlePem: string, maxAttempts = 5): Promise<CaBundleWrite> {
  if (caBundlePem.trim() === '') throw new RangeError('the CA bundle is empty: refusing to make the webhook trust nothing');
  const caBundle = Buffer.from(caBundlePem).toString('base64');
  for (let attempt = 1; ; attempt++) {
    const current = await readMutatingWebhookConfiguration(http, name);
    if (current === undefined) return 'not-found';
    const webhooks = current.webhooks ?? [];
    if (webhooks.every((w) => w.clientConfig.caBundle === caBundle)) return 'unchanged';
    const updated: MutatingWebhookConfiguration = {
      ...current,
      webhooks: webhooks.map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle } })),
    };
    try {
      await http.json('PUT', `${COLLECTION}/${encodeURIComponent(name)}`, updated);
      return 'updated';
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409 && attempt < maxAttempts) continue;
      if (err instanceof KubeApiError && err.status === 404) return 'not-found';
      throw err;
    }
  }
}
