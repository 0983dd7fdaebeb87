import type { HttpRouteRuleView, HttpRouteView, WorldState } from '@weft/model';
import { parseGatewayDuration } from './durations.js';
import { planHttpMatch } from './matches.js';
import type { GenericRule, RouteTranslation } from './route-candidates.js';
import { translateGenericRoute } from './route-candidates.js';
import { OUTBOUND_VAR } from './services.js';

function toGenericRule(rule: HttpRouteRuleView): GenericRule {
  const problems: string[] = [];
  let timeoutSeconds: number | undefined;
  // APISIX has one per-try timeout, so backendRequest wins; request alone bounds each try as well.
  const timeoutText = rule.timeouts?.backendRequest ?? rule.timeouts?.request;
  if (timeoutText !== undefined) {
    const seconds = parseGatewayDuration(timeoutText);
    if (seconds === undefined) problems.push(`timeout "${timeoutText}" is not a valid duration`);
    else timeoutSeconds = seconds;
  }
  const request = rule.timeouts?.request === undefined ? undefined : parseGatewayDuration(rule.timeouts.request);
  const backend = rule.timeouts?.backendRequest === undefined ? undefined : parseGatewayDuration(rule.timeouts.backendRequest);
  if (request !== undefined && backend !== undefined && request > 0 && backend > request) {
    problems.push('timeouts.backendRequest must not be longer than timeouts.request');
  }
  let retries: number | undefined;
  if (rule.retry !== undefined) {
    const attempts = rule.retry.attempts ?? 1;
    if (attempts < 0) problems.push('retry.attempts must not be negative');
    else retries = attempts;
    // APISIX retries a request on the next endpoint after a connection error or timeout, at once: it cannot retry on
    // a response status, nor wait between tries, and the spec forbids claiming a backoff that is not honoured.
    if (rule.retry.codes.length > 0) {
      problems.push(`retry.codes [${rule.retry.codes.join(', ')}] is not supported: the sidecar retries connection errors and timeouts only; remove codes`);
    }
    if (rule.retry.backoff !== undefined) problems.push('retry.backoff is not supported: the sidecar retries at once; remove backoff');
  }
  return {
    matches: rule.matches.map((m) => planHttpMatch(m, [OUTBOUND_VAR])),
    matchPrefixes: rule.matches.map((m) => (m.path === undefined || m.path.type === 'PathPrefix' ? (m.path?.value ?? '/') : undefined)),
    filters: rule.filters,
    backendRefs: rule.backendRefs,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...(retries === undefined ? {} : { retries }),
    problems,
  };
}

/** HTTPRoute with Service parents (GAMMA) → APISIX route candidates + status. */
export function translateHttpRoute(world: WorldState, route: HttpRouteView): RouteTranslation {
  return translateGenericRoute(world, {
    kind: 'HTTPRoute',
    idPrefix: 'r',
    metadata: route.metadata,
    parentRefs: route.parentRefs,
    rules: route.rules.map(toGenericRule),
  });
}
