import type { NamespaceView, PodView, ServiceView, TranslateDiagnostic, WorldState } from '@weft/model';
import type { AuthorizationIndex } from './authorization/authorization-index.js';
import { compareStrings, shortHash } from './ids.js';
import type { InboundResources } from './inbound.js';
import { buildInbound, inboundPortsOf, inboundSignature, mtlsModeOf } from './inbound.js';
import { sameList } from './services.js';

const EMPTY: readonly never[] = [];
const SETTLED_PHASES = new Set(['Succeeded', 'Failed']);
const NO_DIAGNOSTICS: TranslateDiagnostic[] = [];

export interface Placement {
  readonly pods: WorldState['pods'];
  /** Namespaces' labels choose the mTLS mode. */
  readonly namespaces: WorldState['namespaces'];
  readonly authorizations: WorldState['meshAuthorizations'];
  readonly consumerKey: string;
  readonly scopes: ReadonlyMap<string, { readonly view: string; readonly inbound: InboundResources }>;
  readonly workloads: Readonly<Record<string, string>>;
  readonly diagnostics: readonly TranslateDiagnostic[];
}

/**
 * Decides each workload's scope: its namespace's view (producer, or consumer if it has consumer routes) + inbound
 * (its ports, and the MeshAuthorizations that select it, if any).
 */
export class WorkloadPlacer {
  private readonly podCache = new WeakMap<PodView, { services: readonly ServiceView[]; namespace: NamespaceView | undefined; inbound: InboundResources; diagnostics: TranslateDiagnostic[] }>();
  private readonly inboundCache = new Map<string, InboundResources>();
  // Weak: authorized inbound config is rebuilt when a policy changes, and the old objects must not pile up here.
  private readonly scopeIds = new WeakMap<InboundResources, Map<string, string>>();
  private lastWorkloads: { keys: readonly string[]; scopes: readonly string[]; record: Readonly<Record<string, string>> } | undefined;

  private scopeIdOf(view: string, inbound: InboundResources): string {
    let byView = this.scopeIds.get(inbound);
    if (byView === undefined) this.scopeIds.set(inbound, (byView = new Map<string, string>()));
    let id = byView.get(view);
    if (id === undefined) {
      const key = `${view === '' ? 'producer' : `consumer:${view}`}|${inbound.signature}`;
      byView.set(view, (id = `${view === '' ? 'mesh' : view}-${shortHash(key)}`));
    }
    return id;
  }

  /** `namespace/pod` → scope id with sorted keys; the previous record when no assignment changed. */
  private workloadRecord(keys: string[], scopes: string[]): Readonly<Record<string, string>> {
    if (this.lastWorkloads !== undefined && sameList(this.lastWorkloads.keys, keys) && sameList(this.lastWorkloads.scopes, scopes)) return this.lastWorkloads.record;
    const order = keys.map((_, i) => i);
    let sorted = true;
    for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
    if (!sorted) order.sort((a, b) => compareStrings(keys[a] as string, keys[b] as string));
    const record: Record<string, string> = {};
    for (const i of order) record[keys[i] as string] = scopes[i] as string;
    this.lastWorkloads = { keys, scopes, record };
    return record;
  }

  /** Scope of every workload. Scope ids are cached per (view, inbound signature): no hashing per Pod. */
  place(
    world: WorldState,
    services: ReadonlyMap<string, readonly ServiceView[]>,
    consumerSlots: ReadonlyMap<string, unknown>,
    consumerKey: string,
    authorization: AuthorizationIndex,
  ): Placement {
    const diagnostics: TranslateDiagnostic[] = [];
    const podKeys: string[] = [];
    const assignments: string[] = [];
    const scopes = new Map<string, { view: string; inbound: InboundResources }>();
    for (const [podKey, pod] of world.pods) {
      if (SETTLED_PHASES.has(pod.phase)) continue;
      const ns = pod.metadata.namespace;
      const nsServices = services.get(ns) ?? EMPTY;
      const namespace = world.namespaces.get(ns);
      let cached = this.podCache.get(pod);
      if (cached?.services !== nsServices || cached.namespace !== namespace) {
        const podDiagnostics: TranslateDiagnostic[] = [];
        const ports = inboundPortsOf(pod, nsServices, podDiagnostics);
        // Without inbound ports there is nothing to guard: every such pod keeps the one plain scope.
        const mode = ports.length === 0 ? 'permissive' : mtlsModeOf(pod, namespace);
        const signature = inboundSignature(ports, mode);
        let inbound = this.inboundCache.get(signature);
        if (inbound === undefined) this.inboundCache.set(signature, (inbound = buildInbound(ports, mode)));
        cached = { services: nsServices, namespace, inbound, diagnostics: podDiagnostics.length === 0 ? NO_DIAGNOSTICS : podDiagnostics };
        this.podCache.set(pod, cached);
      }
      if (cached.diagnostics.length > 0) diagnostics.push(...cached.diagnostics);
      const view = consumerSlots.has(ns) ? ns : '';
      const inbound = authorization.authorize(pod, cached.inbound);
      const scopeId = this.scopeIdOf(view, inbound);
      if (!scopes.has(scopeId)) scopes.set(scopeId, { view, inbound });
      podKeys.push(podKey);
      assignments.push(scopeId);
    }
    return { pods: world.pods, namespaces: world.namespaces, authorizations: authorization.source, consumerKey, scopes, workloads: this.workloadRecord(podKeys, assignments), diagnostics };
  }
}
