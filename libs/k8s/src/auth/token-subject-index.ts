import type { Logger } from '@weft/telemetry';
import type { KubeHttp } from '../client/kube-http.js';
import type { KubeObject } from '../client/kube-object.js';
import { Informer } from '../informers/informer.js';
import type { InformerChange } from '../informers/informer.js';
import type { ResourceType } from '../informers/resource-types.js';

/** What a token's claims are compared with: the object's uid, and whether it is being deleted. */
export interface TokenSubject {
  readonly uid: string;
  readonly deleting: boolean;
}

const SERVICE_ACCOUNT: ResourceType = { kind: 'ServiceAccount', apiVersion: 'v1', plural: 'serviceaccounts', namespaced: true, optional: false };
const POD: ResourceType = { kind: 'Pod', apiVersion: 'v1', plural: 'pods', namespaced: true, optional: false };

/**
 * Every ServiceAccount and Pod of the cluster, `namespace/name` → uid, from metadata-only watches: what TokenReview
 * looks up beyond a token's signature (the ServiceAccount, and the pod a projected token is bound to, still exist
 * with the uids in the token). Metadata is enough for pods too: TokenRequest binds a token to a pod only when the pod
 * runs as that ServiceAccount, and neither a pod's uid nor its `spec.serviceAccountName` ever changes.
 *
 * The control plane's world watches pods too, but its PodView carries no uid, it exists only once the pipeline runs
 * (after NATS answers), it is cut to the selected namespaces, and the bridge has no world: hence this own watch.
 */
export class TokenSubjectIndex {
  readonly #serviceAccounts = new Map<string, TokenSubject>();
  readonly #pods = new Map<string, TokenSubject>();
  readonly #informers: readonly Informer[];

  constructor(http: KubeHttp, options: { readonly log: Logger }) {
    const log = options.log.child({ part: 'token-subjects' });
    this.#informers = [
      new Informer(http, SERVICE_ACCOUNT, (changes) => { apply(this.#serviceAccounts, changes); }, { log, metadataOnly: true }),
      new Informer(http, POD, (changes) => { apply(this.#pods, changes); }, { log, metadataOnly: true }),
    ];
  }

  /** True once both kinds have been listed: before that, nothing may be judged from the index. */
  get synced(): boolean {
    return this.#informers.every((informer) => informer.synced);
  }

  serviceAccount(namespace: string, name: string): TokenSubject | undefined {
    return this.#serviceAccounts.get(`${namespace}/${name}`);
  }

  pod(namespace: string, name: string): TokenSubject | undefined {
    return this.#pods.get(`${namespace}/${name}`);
  }

  describe(): { readonly synced: boolean; readonly serviceAccounts: number; readonly pods: number } {
    return { synced: this.synced, serviceAccounts: this.#serviceAccounts.size, pods: this.#pods.size };
  }

  start(): void {
    for (const informer of this.#informers) informer.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.#informers.map((informer) => informer.stop()));
  }
}

function subjectOf(object: KubeObject): TokenSubject | undefined {
  const uid = object.metadata?.uid;
  if (typeof uid !== 'string' || uid === '') return undefined;
  return { uid, deleting: (object.metadata?.deletionTimestamp ?? '') !== '' };
}

function apply(index: Map<string, TokenSubject>, changes: readonly InformerChange[]): void {
  for (const change of changes) {
    const subject = change.type === 'delete' ? undefined : subjectOf(change.object);
    if (subject === undefined) index.delete(change.key);
    else index.set(change.key, subject);
  }
}
