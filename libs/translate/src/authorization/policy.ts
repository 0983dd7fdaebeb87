import type {
  AuthorizationCondition,
  AuthorizationConditionReason,
  AuthorizationRuleView,
  AuthorizationStatusResult,
  Labels,
  MeshAuthorizationView,
} from '@weft/model';
import { compareStrings } from '../ids.js';
import { checkLabelKey, checkLabelValue, checkNamespaceName, checkPath, HTTP_METHODS, parsePrincipal } from './syntax.js';

/** One ALLOW rule, checked and normalised: sets are sorted and unique; an absent field puts no condition. */
export interface AllowRule {
  readonly principals: readonly string[];
  readonly principalPrefixes: readonly string[];
  readonly namespaces: readonly string[];
  /** Undefined: every port. */
  readonly ports?: readonly number[];
  /** Undefined: every path. Prefixes end in '/' and match whole path elements (`/api/` admits /api and /api/x). */
  readonly paths?: { readonly exact: readonly string[]; readonly prefixes: readonly string[] };
  /** Undefined: every method. */
  readonly methods?: readonly string[];
}

/** A MeshAuthorization as translate uses it. */
export interface CompiledPolicy {
  /** `namespace/name`. */
  readonly key: string;
  readonly namespace: string;
  /** Undefined when the selector is invalid: then the policy selects nothing. */
  readonly matchLabels: Labels | undefined;
  /** Empty when the policy is invalid: it still selects its workloads, which then deny what it would allow. */
  readonly rules: readonly AllowRule[];
  readonly status: AuthorizationStatusResult;
}

interface Problem {
  readonly reason: AuthorizationConditionReason;
  readonly message: string;
}

const MAX_MESSAGE = 4096;

function sortedUnique<T extends string | number>(values: readonly T[]): T[] {
  return [...new Set(values)].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : compareStrings(String(a), String(b))));
}

function compileRule(rule: AuthorizationRuleView, at: string, problems: Problem[]): AllowRule {
  const principals: string[] = [];
  const principalPrefixes: string[] = [];
  for (const text of rule.from.principals) {
    const parsed = parsePrincipal(text);
    if (typeof parsed === 'string') problems.push({ reason: 'InvalidPrincipal', message: `${at}.from: ${parsed}` });
    else if (parsed.kind === 'exact') principals.push(parsed.id);
    else principalPrefixes.push(parsed.prefix);
  }
  for (const ns of rule.from.namespaces) {
    const problem = checkNamespaceName(ns);
    if (problem !== undefined) problems.push({ reason: 'InvalidNamespace', message: `${at}.from: ${problem}` });
  }
  if (rule.from.principals.length === 0 && rule.from.namespaces.length === 0) {
    problems.push({ reason: 'InvalidRule', message: `${at}.from: needs at least one principal or namespace` });
  }
  const to = rule.to;
  let ports: number[] | undefined;
  let paths: AllowRule['paths'];
  let methods: string[] | undefined;
  if (to !== undefined) {
    for (const port of to.ports) if (port < 1 || port > 65535) problems.push({ reason: 'InvalidRule', message: `${at}.to: port ${port} is not 1-65535` });
    if (to.ports.length > 0) ports = sortedUnique(to.ports);
    const exact: string[] = [];
    const prefixes: string[] = [];
    let anyPath = to.paths.length === 0;
    for (const path of to.paths) {
      const problem = path.type === 'Exact' || path.type === 'PathPrefix' ? checkPath(path.value) : `path type "${path.type}": must be Exact or PathPrefix`;
      if (problem !== undefined) problems.push({ reason: 'InvalidRule', message: `${at}.to: ${problem}` });
      else if (path.type === 'Exact') exact.push(path.value);
      else if (path.value === '/') anyPath = true;
      else prefixes.push(path.value.endsWith('/') ? path.value : `${path.value}/`);
    }
    if (!anyPath) paths = { exact: sortedUnique(exact), prefixes: sortedUnique(prefixes) };
    for (const method of to.methods) {
      if (!HTTP_METHODS.includes(method)) problems.push({ reason: 'InvalidRule', message: `${at}.to: method "${method}" is not one of ${HTTP_METHODS.join(', ')}` });
    }
    if (to.methods.length > 0) methods = sortedUnique(to.methods);
  }
  return {
    principals: sortedUnique(principals),
    principalPrefixes: sortedUnique(principalPrefixes),
    namespaces: sortedUnique(rule.from.namespaces),
    ...(ports === undefined ? {} : { ports }),
    ...(paths === undefined ? {} : { paths }),
    ...(methods === undefined ? {} : { methods }),
  };
}

function condition(policy: MeshAuthorizationView, problems: readonly Problem[], selectorValid: boolean, rules: number): AuthorizationCondition {
  const observedGeneration = policy.metadata.generation;
  const first = problems[0];
  if (first === undefined) {
    const message =
      rules === 0
        ? 'No rules: the selected workloads answer 403 to every inbound request'
        : `${rules} allow rule${rules === 1 ? '' : 's'}; the selected workloads answer 403 to inbound requests no rule allows`;
    return { type: 'Accepted', status: 'True', reason: 'Accepted', message, observedGeneration };
  }
  const consequence = selectorValid
    ? 'This policy allows nothing until it is fixed: the workloads it selects deny every request no other policy allows.'
    : 'This policy selects no workload until it is fixed.';
  let message = `${[...new Set(problems.map((p) => p.message))].join('; ')}. ${consequence}`;
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - consequence.length - 2)}… ${consequence}`;
  return { type: 'Accepted', status: 'False', reason: first.reason, message, observedGeneration };
}

/**
 * Checks one policy. Problems make it `Accepted=False` and it then fails closed: with a valid selector it still selects
 * its workloads but allows nothing; with an invalid selector nobody can tell what it meant to select, so it selects
 * nothing (the API server's schema refuses such selectors, so this is only reachable from a folder of manifests).
 */
export function compilePolicy(policy: MeshAuthorizationView): CompiledPolicy {
  const { namespace, name } = policy.metadata;
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(policy.matchLabels)) {
    const problem = checkLabelKey(key) ?? checkLabelValue(key, value);
    if (problem !== undefined) problems.push({ reason: 'InvalidSelector', message: `selector.matchLabels: ${problem}` });
  }
  const selectorValid = problems.length === 0;
  const rules = policy.rules.map((rule, i) => compileRule(rule, `rules[${i}]`, problems));
  return {
    key: `${namespace}/${name}`,
    namespace,
    matchLabels: selectorValid ? policy.matchLabels : undefined,
    rules: problems.length === 0 ? rules : [],
    status: {
      namespace,
      name,
      generation: policy.metadata.generation,
      conditions: [condition(policy, problems, selectorValid, rules.length)],
    },
  };
}

/** True when the policy's selector picks a workload with these labels. */
export function selects(policy: CompiledPolicy, labels: Labels): boolean {
  const wanted = policy.matchLabels;
  if (wanted === undefined) return false;
  for (const key in wanted) if (labels[key] !== wanted[key]) return false;
  return true;
}
