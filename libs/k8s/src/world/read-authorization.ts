import type { AuthorizationOperationView, AuthorizationPathView, AuthorizationRuleView, MeshAuthorizationView } from '@weft/model';
import { int, mapList, optRecord, optStr, record, str, stringMap } from './fields.js';
import type { Plain } from './fields.js';
import { readMeta } from './read-meta.js';

/**
 * A MeshAuthorization's shape only: wrong types make it malformed (a diagnostic, as for every kind), but values stay
 * as written, so that a bad principal, selector or port becomes `Accepted=False` in the policy's own status (translate
 * validates them) instead of a policy that silently does not exist.
 */
export function readMeshAuthorization(obj: Plain, defaultNamespace: string): MeshAuthorizationView {
  const spec = record(obj.spec, 'spec');
  const selector = optRecord(spec.selector, 'spec.selector');
  return {
    metadata: readMeta(obj, true, defaultNamespace),
    matchLabels: stringMap(selector?.matchLabels, 'spec.selector.matchLabels'),
    rules: mapList(spec.rules, 'spec.rules', readRule),
  };
}

function readRule(value: unknown, path: string): AuthorizationRuleView {
  const rule = record(value, path);
  const from = record(rule.from, `${path}.from`);
  const to = optRecord(rule.to, `${path}.to`);
  return {
    from: {
      principals: mapList(from.principals, `${path}.from.principals`, str),
      namespaces: mapList(from.namespaces, `${path}.from.namespaces`, str),
    },
    ...(to === undefined ? {} : { to: readOperation(to, `${path}.to`) }),
  };
}

function readOperation(to: Plain, path: string): AuthorizationOperationView {
  return {
    ports: mapList(to.ports, `${path}.ports`, int),
    paths: mapList(to.paths, `${path}.paths`, readPath),
    methods: mapList(to.methods, `${path}.methods`, str),
  };
}

function readPath(value: unknown, path: string): AuthorizationPathView {
  const p = record(value, path);
  return { type: optStr(p.type, `${path}.type`) ?? 'PathPrefix', value: str(p.value, `${path}.value`) };
}
