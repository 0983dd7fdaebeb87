import { MESH_TLS_LABEL } from '@weft/model';
import { buildWorldState, Informer, KubeApiError } from '@weft/k8s';
import type { InformerChange, KubeHttp, KubeList, KubeObject, ResourceType } from '@weft/k8s';
import type { WorkloadAccount } from '@weft/pki';
import type { Logger } from '@weft/telemetry';
import { meshNamesFor } from '@weft/translate';

const POD: ResourceType = { kind: 'Pod', apiVersion: 'v1', plural: 'pods', namespaced: true, optional: false };
const SERVICE: ResourceType = { kind: 'Service', apiVersion: 'v1', plural: 'services', namespaced: true, optional: false };

/** The mesh names a workload may have in its certificate (docs/mesh-mtls.md), as the bridge's BridgeIssuer asks them. */
export interface MeshNameGrants {
  /** From the watched caches: what a CSR storm reads. */
  cached(account: WorkloadAccount): readonly string[];
  /**
   * After reading the pod and its namespace's Services from the API server: for a CSR the caches refuse, as the agent
   * may have seen a new Service (through the control plane's snapshot) before the bridge's watch did.
   */
  fresh(account: WorkloadAccount): Promise<readonly string[]>;
}

export interface WorkloadMeshNamesOptions {
  readonly http: KubeHttp;
  readonly clusterDomain: string;
  readonly log: Logger;
}

/**
 * Watches the meshed pods (the injector's `security.weft.dev/tlsMode` label: only they run an agent) and every
 * Service, indexed by key and by namespace, and grants a pod-bound token the mesh names translate computes from the
 * pod and its namespace's Services (views built by libs/k8s's world builder): the names the control plane's CA would
 * grant, so one CSR is right for both signers.
 */
export class WorkloadMeshNames implements MeshNameGrants {
  readonly #options: WorkloadMeshNamesOptions;
  readonly #pods = new Map<string, KubeObject>();
  readonly #services = new Map<string, Map<string, KubeObject>>();
  readonly #informers: readonly Informer[];
  readonly #reported = new Set<string>();
  #onSynced: (() => void) | undefined;
  readonly #synced: Promise<void>;

  constructor(options: WorkloadMeshNamesOptions) {
    this.#options = options;
    this.#synced = new Promise<void>((resolve) => {
      this.#onSynced = resolve;
    });
    const log = options.log.child({ part: 'mesh-names' });
    this.#informers = [
      new Informer(options.http, POD, (changes) => { this.#applyPods(changes); }, { log, labelSelector: `${MESH_TLS_LABEL}=weft` }),
      new Informer(options.http, SERVICE, (changes) => { this.#applyServices(changes); }, { log }),
    ];
  }

  start(): void {
    for (const informer of this.#informers) informer.start();
  }

  /** Resolves once pods and Services have been listed once. */
  whenSynced(): Promise<void> {
    return this.#synced;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#informers.map((informer) => informer.stop()));
  }

  /** For /debug/bridge. */
  describe(): { readonly pods: number; readonly services: number } {
    let services = 0;
    for (const inNamespace of this.#services.values()) services += inNamespace.size;
    return { pods: this.#pods.size, services };
  }

  cached(account: WorkloadAccount): readonly string[] {
    if (account.podName === undefined) return [];
    const pod = this.#pods.get(`${account.namespace}/${account.podName}`);
    if (pod === undefined) return [];
    return this.#namesOf(account, pod, [...(this.#services.get(account.namespace)?.values() ?? [])]);
  }

  async fresh(account: WorkloadAccount): Promise<readonly string[]> {
    if (account.podName === undefined) return [];
    const { http } = this.#options;
    const namespace = encodeURIComponent(account.namespace);
    let pod: KubeObject;
    try {
      pod = await http.json<KubeObject>('GET', `/api/v1/namespaces/${namespace}/pods/${encodeURIComponent(account.podName)}`);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return [];
      throw err;
    }
    const services = await http.json<KubeList>('GET', `/api/v1/namespaces/${namespace}/services`);
    const typed = (services.items ?? []).map((item) => ({ ...item, apiVersion: 'v1', kind: 'Service' }));
    return this.#namesOf(account, { ...pod, apiVersion: 'v1', kind: 'Pod' }, typed);
  }

  #namesOf(account: WorkloadAccount, pod: KubeObject, services: readonly KubeObject[]): readonly string[] {
    const { world } = buildWorldState([pod, ...services], { clusterDomain: this.#options.clusterDomain });
    return meshNamesFor(world, account);
  }

  #applyPods(changes: readonly InformerChange[]): void {
    for (const change of changes) {
      if (change.type === 'delete') this.#pods.delete(change.key);
      else this.#pods.set(change.key, change.object);
    }
    this.#report('Pod');
  }

  #applyServices(changes: readonly InformerChange[]): void {
    for (const change of changes) {
      const namespace = change.object.metadata?.namespace ?? '';
      let inNamespace = this.#services.get(namespace);
      if (change.type === 'delete') {
        inNamespace?.delete(change.key);
        if (inNamespace?.size === 0) this.#services.delete(namespace);
        continue;
      }
      if (inNamespace === undefined) {
        inNamespace = new Map();
        this.#services.set(namespace, inNamespace);
      }
      inNamespace.set(change.key, change.object);
    }
    this.#report('Service');
  }

  /** An informer calls back once after its first list, even when it is empty. */
  #report(kind: string): void {
    this.#reported.add(kind);
    if (this.#reported.size === this.#informers.length) this.#onSynced?.();
  }
}
