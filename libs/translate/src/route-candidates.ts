import type { ApisixRoute, ApisixTimeout, ObjectMetaView, ParentRefView, RouteFilterView, WorldState } from '@weft/model';
import type { RefProblem, UpstreamVariant } from './backends.js';
import { abortAll, planBackends } from './backends.js';
import { FILTER_HANDLERS } from './filters/index.js';
import { redirectForPort } from './filters/request-redirect.js';
import type { PluginDraft } from './filters/index.js';
import { serviceHosts, shortHostLabels } from './hosts.js';
import { resourceId, resourceName } from './ids.js';
import type { MatchResult } from './matches.js';
import { isServiceParent, resolveParent } from './refs.js';
import type { RouteStatusResult } from '@weft/model';
import { parentStatus } from './status.js';

/** One APISIX route a Gateway API route asks for, before ranking against the other routes of its Service port. */
export interface RouteCandidate {
  /** `namespace/service:port` the route attaches to. */
  readonly slot: string;
  readonly serviceKey: string;
  readonly port: number;
  /** Set for consumer routes: only clients in this namespace see it. */
  readonly consumerNamespace?: string;
  readonly route: ApisixRoute;
  readonly precedence: number;
  /** Tie-break among routes of a slot: older first, then `namespace/name` (spec order). */
  readonly routeOrder: string;
  readonly ruleIndex: number;
}

export interface RouteTranslation {
  readonly status: RouteStatusResult | undefined;
  readonly candidates: readonly RouteCandidate[];
  readonly variants: readonly UpstreamVariant[];
}

/** A rule of either route kind, reduced to what candidate building needs. */
export interface GenericRule {
  readonly matches: readonly MatchResult[];
  /** PathPrefix value per match (for prefix rewrites). */
  readonly matchPrefixes: readonly (string | undefined)[];
  readonly filters: readonly RouteFilterView[];
  readonly backendRefs: Parameters<typeof planBackends>[1];
  /** backendRequest (or request) timeout; 0 disables. */
  readonly timeoutSeconds?: number;
  readonly retries?: number;
  /** Problems found while reading the rule (timeouts, retry): the rule answers 500. */
  readonly problems: readonly string[];
}

export interface GenericRoute {
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly idPrefix: string;
  readonly metadata: ObjectMetaView;
  readonly parentRefs: readonly ParentRefView[];
  readonly rules: readonly GenericRule[];
  readonly backendScheme?: 'grpc';
}

function parseTimeout(seconds: number | undefined): ApisixTimeout | undefined {
  return seconds === undefined || seconds <= 0 ? undefined : { connect: seconds, send: seconds, read: seconds };
}

interface PlannedRule {
  readonly plugins: readonly (PluginDraft | undefined)[];
  readonly upstreamId?: string;
  readonly timeout?: ApisixTimeout;
}

function planRule(world: WorldState, route: GenericRoute, rule: GenericRule, index: number, unsupported: string[], refs: RefProblem[], variants: UpstreamVariant[]): PlannedRule {
  const backends = planBackends(world, rule.backendRefs, {
    routeKind: route.kind,
    routeNamespace: route.metadata.namespace,
    ...(route.backendScheme === undefined ? {} : { scheme: route.backendScheme }),
    ...(rule.retries === undefined ? {} : { retries: rule.retries }),
  });
  refs.push(...backends.refProblems);
  variants.push(...backends.variants);
  const ruleProblems = [...rule.problems];
  const perMatch = rule.matches.map((match, m) => {
    if (!match.ok) {
      unsupported.push(`rule ${index}: ${match.message}`);
      return undefined;
    }
    const plugins: PluginDraft = {};
    const prefix = rule.matchPrefixes[m];
    for (const filter of rule.filters) {
      const handler = FILTER_HANDLERS.find((h) => h.type === filter.type && h.routeKinds.includes(route.kind));
      if (handler === undefined) {
        ruleProblems.push(`filter type "${filter.type}" is not supported`);
        continue;
      }
      const outcome = handler.apply(filter, plugins, {
        world,
        routeKind: route.kind,
        routeNamespace: route.metadata.namespace,
        ...(prefix === undefined ? {} : { matchPrefix: prefix }),
      });
      if (outcome.ok === 'ref') {
        if (m === 0) refs.push({ reason: outcome.reason, message: outcome.message });
      } else if (!outcome.ok) ruleProblems.push(outcome.message);
    }
    for (const backendRef of rule.backendRefs) {
      if (backendRef.filters.length > 0) ruleProblems.push('filters on backendRefs are not supported');
    }
    if (ruleProblems.length > 0) return { 'fault-injection': abortAll('route rule cannot be honoured, see route status\n') };
    if (plugins.redirect !== undefined) return plugins; // a redirect answers by itself: no backend needed
    return { ...plugins, ...backends.plugins };
  });
  for (const p of new Set(ruleProblems)) unsupported.push(`rule ${index}: ${p}`);
  const failed = ruleProblems.length > 0;
  const timeout = failed ? undefined : parseTimeout(rule.timeoutSeconds);
  return {
    plugins: perMatch,
    ...(failed || backends.upstreamId === undefined ? {} : { upstreamId: backends.upstreamId }),
    ...(timeout === undefined ? {} : { timeout }),
  };
}

function sortedPlugins(plugins: PluginDraft): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(plugins).sort()) out[key] = plugins[key];
  return out;
}

/** Parents, rules and matches of a route → APISIX route candidates and the route's status. */
export function translateGenericRoute(world: WorldState, route: GenericRoute): RouteTranslation {
  const { namespace, name } = route.metadata;
  const unsupported: string[] = [];
  const refs: RefProblem[] = [];
  const variants: UpstreamVariant[] = [];
  const planned = route.rules.map((rule, i) => planRule(world, route, rule, i, unsupported, refs, variants));
  const candidates: RouteCandidate[] = [];
  const parents: ReturnType<typeof parentStatus>[] = [];
  const routeOrder = `${route.metadata.creationTimestamp === '' ? '~' : route.metadata.creationTimestamp}|${namespace}/${name}`;
  route.parentRefs.forEach((ref, parentIndex) => {
    if (!isServiceParent(ref)) return;
    const parent = resolveParent(world, namespace, ref);
    const accepted = parent.ok && route.rules.length > 0;
    parents.push(parentStatus(world, route.metadata, ref, parent.ok ? undefined : parent, unsupported, refs));
    if (!accepted) return;
    const consumer = parent.service.metadata.namespace === namespace ? undefined : namespace;
    for (const port of parent.ports) {
      const hosts = serviceHosts(parent.service, port.port, world.clusterDomain);
      const slot = `${parent.serviceKey}:${port.port}`;
      route.rules.forEach((rule, r) => {
        const plan = planned[r];
        if (plan === undefined) return;
        rule.matches.forEach((match, m) => {
          const rulePlugins = plan.plugins[m];
          if (!match.ok || rulePlugins === undefined) return;
          const plugins = redirectForPort(rulePlugins, port.port);
          const apisix: ApisixRoute = {
            id: resourceId(route.idPrefix, namespace, name, parentIndex, port.port, r, m),
            name: resourceName(`${route.kind} ${namespace}/${name} rule ${r} match ${m}`),
            ...(match.plan.uri === undefined ? {} : { uri: match.plan.uri }),
            ...(match.plan.uris === undefined ? {} : { uris: match.plan.uris }),
            hosts,
            labels: shortHostLabels(parent.service),
            ...(match.plan.methods === undefined ? {} : { methods: match.plan.methods }),
            vars: match.plan.vars,
            ...(Object.keys(plugins).length === 0 ? {} : { plugins: sortedPlugins(plugins) }),
            ...(plan.upstreamId === undefined || plugins.redirect !== undefined ? {} : { upstream_id: plan.upstreamId }),
            ...(plan.timeout === undefined ? {} : { timeout: plan.timeout }),
          };
          candidates.push({
            slot,
            serviceKey: parent.serviceKey,
            port: port.port,
            ...(consumer === undefined ? {} : { consumerNamespace: consumer }),
            route: apisix,
            precedence: match.plan.precedence,
            routeOrder,
            ruleIndex: r,
          });
        });
      });
    }
  });
  const status: RouteStatusResult | undefined =
    parents.length === 0 ? undefined : { kind: route.kind, namespace, name, generation: route.metadata.generation, parents };
  return { status, candidates, variants };
}
