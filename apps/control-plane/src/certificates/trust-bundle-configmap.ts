import { KubeConfig } from '@kubernetes/client-node';
import { ConfigMapWatch, KubeHttp } from '@weft/k8s';
import type { Logger } from '@weft/telemetry';

/** The key the cert-manager bridge writes the issuer's CA roots under. */
export const TRUST_BUNDLE_KEY = 'roots.pem';

export interface ConfigMapRef {
  readonly namespace: string;
  readonly name: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** `<namespace>/<name>`, or empty for none (--trust-bundle-configmap). */
export function parseConfigMapRef(text: string): ConfigMapRef | undefined {
  if (text === '') return undefined;
  const [namespace = '', name = '', ...rest] = text.split('/');
  if (rest.length > 0 || !DNS_LABEL.test(namespace) || !DNS_SUBDOMAIN.test(name)) throw new Error(`"${text}" is not <namespace>/<name> of a ConfigMap (e.g. weft-system/weft-trust-bundle)`);
  return { namespace, name };
}

/**
 * The trust bundle the issuer publishes in a ConfigMap (cert-manager mode: the bridge writes its issuer's CA roots
 * there): what snapshots carry and what the injector hands agents as `weft.dev/ca-roots`, instead of the control
 * plane's own CA. `take` sees each version of the ConfigMap's data; listeners hear only real changes.
 */
export class ConfigMapTrustRoots {
  #roots: readonly string[] = [];
  readonly #onChange: (roots: readonly string[]) => void;

  constructor(onChange: (roots: readonly string[]) => void) {
    this.#onChange = onChange;
  }

  /** The roots, each a PEM certificate; empty until the ConfigMap holds any. */
  get roots(): readonly string[] {
    return this.#roots;
  }

  /** The roots as one PEM text (the injector's annotation); empty until known. */
  get pem(): string {
    return this.#roots.join('');
  }

  /** A new version of the ConfigMap's data (undefined: deleted). A ConfigMap without roots keeps the last ones. */
  take(data: Readonly<Record<string, string>> | undefined): void {
    const roots = (data?.[TRUST_BUNDLE_KEY] ?? '').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
    const normalised = roots.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`));
    if (normalised.length === 0 || normalised.join('') === this.pem) return;
    this.#roots = normalised;
    this.#onChange(normalised);
  }
}

export interface TrustBundleWatch {
  readonly trust: ConfigMapTrustRoots;
  stop(): Promise<void>;
}

/** Watches the ConfigMap through libs/k8s and feeds `ConfigMapTrustRoots`. */
export function watchTrustBundleConfigMap(options: {
  readonly kubeconfig: string;
  readonly ref: ConfigMapRef;
  readonly log: Logger;
  readonly onChange: (roots: readonly string[]) => void;
}): TrustBundleWatch {
  const kubeConfig = new KubeConfig();
  if (options.kubeconfig === '') kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(options.kubeconfig);
  const log = options.log.child({ part: 'trust-bundle', configMap: `${options.ref.namespace}/${options.ref.name}` });
  const trust = new ConfigMapTrustRoots((roots) => {
    log.info({ roots: roots.length }, 'trust bundle from the ConfigMap');
    options.onChange(roots);
  });
  const watch = new ConfigMapWatch({
    http: new KubeHttp(kubeConfig),
    namespace: options.ref.namespace,
    name: options.ref.name,
    onData: (data) => {
      trust.take(data);
    },
    log,
  });
  watch.start();
  return { trust, stop: () => watch.stop() };
}
