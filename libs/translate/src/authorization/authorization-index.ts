import type { ApisixRoute, AuthorizationStatusResult, MeshAuthorizationView, PodView } from '@weft/model';
import { compareStrings, resourceName } from '../ids.js';
import type { InboundResources } from '../inbound.js';
import { authorizationFunction } from './lua.js';
import { compilePolicy, selects } from './policy.js';
import type { AllowRule, CompiledPolicy } from './policy.js';

/** The APISIX plugin that runs the check (enabled in APISIX's default plugin list; priority 10000, access phase). */
export const AUTHORIZATION_PLUGIN = 'serverless-pre-function';

const compiled = new WeakMap<MeshAuthorizationView, CompiledPolicy>();

function compile(view: MeshAuthorizationView): CompiledPolicy {
  let policy = compiled.get(view);
  if (policy === undefined) compiled.set(view, (policy = compilePolicy(view)));
  return policy;
}

interface AuthorizedEntry {
  readonly policies: readonly CompiledPolicy[];
  readonly inbound: InboundResources;
}

/**
 * The MeshAuthorizations of one world, compiled, by namespace. A workload that policies select gets their rules in
 * its inbound routes; its inbound signature then names those policies, so its scope is its own (scope = view ×
 * inbound ports × selecting policies) while workloads no policy selects keep the very scope they had without any.
 */
export class AuthorizationIndex {
  private readonly byNamespace = new Map<string, CompiledPolicy[]>();
  private readonly authorized = new Map<string, AuthorizedEntry>();
  /** One per policy, sorted by namespace, name. */
  readonly statuses: readonly AuthorizationStatusResult[];

  constructor(
    readonly source: ReadonlyMap<string, MeshAuthorizationView>,
    previous?: AuthorizationIndex,
  ) {
    const all: CompiledPolicy[] = [];
    for (const view of source.values()) all.push(compile(view));
    all.sort((a, b) => compareStrings(a.key, b.key));
    for (const policy of all) {
      const list = this.byNamespace.get(policy.namespace);
      if (list === undefined) this.byNamespace.set(policy.namespace, [policy]);
      else list.push(policy);
    }
    this.statuses = all.map((p) => p.status);
    // Inbound config of policy sets that did not change is kept, object and all, so the scopes using it stay put.
    if (previous !== undefined) {
      const unchanged = (policy: CompiledPolicy): boolean => {
        const view = source.get(policy.key);
        return view !== undefined && compile(view) === policy;
      };
      for (const [key, entry] of previous.authorized) if (entry.policies.every(unchanged)) this.authorized.set(key, entry);
    }
  }

  /** `inbound` itself when no policy selects the Pod, else that inbound config with the selecting policies' rules. */
  authorize(pod: PodView, inbound: InboundResources): InboundResources {
    const candidates = this.byNamespace.get(pod.metadata.namespace);
    // No policies here, or no inbound port to guard: the scope stays the one the workload has without policies.
    if (candidates === undefined || inbound.routes.length === 0) return inbound;
    const selecting = candidates.filter((p) => selects(p, pod.metadata.labels));
    if (selecting.length === 0) return inbound;
    const names = selecting.map((p) => p.key).join(',');
    const key = `${inbound.signature}|${names}`;
    let entry = this.authorized.get(key);
    if (entry === undefined) {
      entry = { policies: selecting, inbound: withRules(inbound, selecting, names) };
      this.authorized.set(key, entry);
    }
    return entry.inbound;
  }
}

/** Each inbound route gets the check, with the rules that apply to its port (a rule without ports applies to all). */
function withRules(inbound: InboundResources, policies: readonly CompiledPolicy[], names: string): InboundResources {
  const keys = policies.map((p) => p.key);
  const rules: AllowRule[] = policies.flatMap((p) => p.rules);
  const routes = inbound.routes.map((route): ApisixRoute => {
    const port = inbound.routePorts.get(route.id);
    const applicable = rules.filter((r) => r.ports === undefined || (port !== undefined && r.ports.includes(port)));
    return {
      ...route,
      desc: resourceName(`MeshAuthorization ${keys.join(', ')}`),
      plugins: { ...route.plugins, [AUTHORIZATION_PLUGIN]: { phase: 'access', functions: [authorizationFunction(keys, applicable)] } },
    };
  });
  // The policy names make the signature, not their content: an edited policy changes its scopes' content, not their ids.
  return { ...inbound, signature: `${inbound.signature}|authz:${names}`, routes };
}
