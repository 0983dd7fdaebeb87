import { KubeApiError } from '../client/kube-http.js';
import type { KubeHttp } from '../client/kube-http.js';

/** A Secret's data, base64-decoded to UTF-8 text (Weft keeps PEM in Secrets). */
export type SecretText = Readonly<Record<string, string>>;

/** RBAC refuses a Secret request, or its namespace is missing: the message names the verb, the Secret and the fix. */
export class SecretAccessError extends Error {
  override readonly name = 'SecretAccessError';
  constructor(
    readonly verb: 'get' | 'create',
    readonly namespace: string,
    readonly secretName: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(
      status === 404
        ? `cannot ${verb} Secret "${secretName}": namespace "${namespace}" does not exist (set the control plane's namespace, POD_NAMESPACE in a pod)`
        : `the API server forbids "${verb}" on Secret "${secretName}" in namespace "${namespace}" (${(options?.cause as Error | undefined)?.message ?? 'forbidden'}); ` +
            `grant the control plane's ServiceAccount the verbs get and create on secrets in namespace "${namespace}" with a Role and RoleBinding`,
      options,
    );
  }
}

interface SecretBody {
  readonly data?: Readonly<Record<string, string>>;
}

const secretPath = (namespace: string, name?: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

/** The Secret's data as text, or undefined when it does not exist. */
export async function readSecret(http: KubeHttp, namespace: string, name: string): Promise<SecretText | undefined> {
  try {
    const secret = await http.json<SecretBody>('GET', secretPath(namespace, name));
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    if (err instanceof KubeApiError && err.status === 403) throw new SecretAccessError('get', namespace, name, 403, { cause: err });
    throw err;
  }
}

export interface CreateSecretOptions {
  readonly labels?: Readonly<Record<string, string>>;
  /** The Secret's `type`; `Opaque` by default. */
  readonly type?: string;
}

/**
 * Creates the Secret unless one of that name exists: `created`, or `exists` when another writer won the race
 * (409) — the caller then reads the winner's, so concurrent replicas converge on one.
 */
export async function createSecretIfAbsent(
  http: KubeHttp,
  namespace: string,
  name: string,
  data: SecretText,
  options: CreateSecretOptions = {},
): Promise<'created' | 'exists'> {
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, ...(options.labels === undefined ? {} : { labels: options.labels }) },
    type: options.type ?? 'Opaque',
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')])),
  };
  try {
    await http.json('POST', secretPath(namespace), body);
    return 'created';
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409) return 'exists';
    if (err instanceof KubeApiError && (err.status === 403 || err.status === 404)) {
      throw new SecretAccessError('create', namespace, name, err.status, { cause: err });
    }
    throw err;
  }
}
