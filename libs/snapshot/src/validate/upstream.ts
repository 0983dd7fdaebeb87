import type { Fields, Report } from './fields.js';
import {
  checkEnum,
  checkHost,
  checkId,
  checkKnownFields,
  checkMetadata,
  checkNumber,
  checkRecord,
  checkRequired,
  checkString,
  checkTimeout,
  isRecord,
  join,
  optional,
} from './fields.js';
import { CERT_PEM, checkCertificatePem, checkPrivateKeyPem, KEY_PEM } from './pem.js';

const UPSTREAM_FIELDS = new Set([
  'id', 'name', 'desc', 'labels', 'type', 'hash_on', 'key', 'nodes', 'scheme', 'pass_host', 'upstream_host', 'retries',
  'retry_timeout', 'timeout', 'tls', 'keepalive_pool', 'checks',
]);
const NODE_FIELDS = new Set(['host', 'port', 'weight', 'priority', 'metadata']);
const TLS_FIELDS = new Set(['client_cert', 'client_key', 'client_cert_id']);
const KEEPALIVE_FIELDS = new Set(['size', 'idle_timeout', 'requests']);
const CHECKS_FIELDS = new Set(['active', 'passive']);
const HEALTH_CHECK_TYPES = ['http', 'https', 'tcp'];

const BALANCERS = ['roundrobin', 'chash', 'ewma', 'least_conn'];
const HASH_ON = ['vars', 'header', 'cookie', 'consumer', 'vars_combinations'];
const SCHEMES = ['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'udp'];
const PASS_HOST = ['pass', 'node', 'rewrite'];
/** Variables APISIX accepts as a chash key when hashing on vars. */
const HASH_VAR_KEY = /^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-Z_-]+)$/;
const HASH_NAME_KEY = /^[a-zA-Z0-9_-]+$/;

export function validateUpstream(report: Report, upstream: Fields): void {
  checkKnownFields(report, '', upstream, UPSTREAM_FIELDS);
  checkMetadata(report, upstream);
  checkRequired(report, upstream, ['nodes']);
  optional(upstream, 'nodes', (nodes) => {
    checkNodes(report, nodes);
  });
  optional(upstream, 'type', (v) => checkEnum(report, 'type', v, BALANCERS));
  optional(upstream, 'hash_on', (v) => checkEnum(report, 'hash_on', v, HASH_ON));
  checkHashKey(report, upstream);
  optional(upstream, 'scheme', (v) => checkEnum(report, 'scheme', v, SCHEMES));
  optional(upstream, 'pass_host', (v) => checkEnum(report, 'pass_host', v, PASS_HOST));
  optional(upstream, 'upstream_host', (v) => checkHost(report, 'upstream_host', v));
  if (upstream['pass_host'] === 'rewrite' && (upstream['upstream_host'] === undefined || upstream['upstream_host'] === '')) {
    report('missing_field', 'upstream_host', 'pass_host rewrite needs upstream_host');
  }
  optional(upstream, 'retries', (v) => checkNumber(report, 'retries', v, { integer: true, min: 0 }));
  optional(upstream, 'retry_timeout', (v) => checkNumber(report, 'retry_timeout', v, { min: 0 }));
  optional(upstream, 'timeout', (v) => {
    checkTimeout(report, 'timeout', v);
  });
  optional(upstream, 'tls', (v) => {
    checkTls(report, v);
  });
  optional(upstream, 'keepalive_pool', (v) => {
    checkKeepalivePool(report, v);
  });
  optional(upstream, 'checks', (v) => {
    checkHealthChecks(report, v);
  });
}

function checkNodes(report: Report, nodes: unknown): void {
  if (!Array.isArray(nodes)) {
    report('invalid_value', 'nodes', 'must be a list of {host, port, weight}');
    return;
  }
  const list: readonly unknown[] = nodes;
  list.forEach((node, i) => {
    const field = `nodes[${i}]`;
    if (!checkRecord(report, field, node)) return;
    checkKnownFields(report, field, node, NODE_FIELDS);
    for (const required of ['host', 'port', 'weight']) {
      if (node[required] === undefined) report('missing_field', join(field, required), `${required} is required`);
    }
    optional(node, 'host', (v) => checkHost(report, join(field, 'host'), v));
    optional(node, 'port', (v) => checkNumber(report, join(field, 'port'), v, { integer: true, min: 1, max: 65535 }));
    optional(node, 'weight', (v) => checkNumber(report, join(field, 'weight'), v, { integer: true, min: 0 }));
    optional(node, 'priority', (v) => checkNumber(report, join(field, 'priority'), v, { integer: true }));
    optional(node, 'metadata', (v) => checkRecord(report, join(field, 'metadata'), v));
  });
}

/** chash needs a key (unless hashing on the consumer), shaped by what it hashes on. */
function checkHashKey(report: Report, upstream: Fields): void {
  if (upstream['type'] !== 'chash') return;
  const hashOn = upstream['hash_on'] ?? 'vars';
  const key = upstream['key'];
  if (hashOn === 'consumer') return;
  if (key === undefined) {
    report('missing_field', 'key', 'a chash upstream needs a key');
    return;
  }
  if (hashOn === 'vars') checkString(report, 'key', key, { pattern: HASH_VAR_KEY, shape: 'a variable chash can hash on' });
  else if (hashOn === 'header' || hashOn === 'cookie') {
    checkString(report, 'key', key, { pattern: HASH_NAME_KEY, shape: `a ${hashOn} name` });
  } else checkString(report, 'key', key);
}

function checkTls(report: Report, tls: unknown): void {
  if (!checkRecord(report, 'tls', tls)) return;
  checkKnownFields(report, 'tls', tls, TLS_FIELDS);
  const hasCert = tls['client_cert'] !== undefined;
  const hasKey = tls['client_key'] !== undefined;
  if (tls['client_cert_id'] !== undefined && (hasCert || hasKey)) {
    report('conflicting_fields', 'tls.client_cert_id', 'client_cert_id excludes client_cert and client_key');
  }
  if (hasCert !== hasKey) report('missing_field', hasCert ? 'tls.client_key' : 'tls.client_cert', 'client_cert and client_key go together');
  optional(tls, 'client_cert', (v) => {
    checkCertificatePem(report, 'tls.client_cert', v, CERT_PEM);
  });
  optional(tls, 'client_key', (v) => {
    checkPrivateKeyPem(report, 'tls.client_key', v, KEY_PEM);
  });
  optional(tls, 'client_cert_id', (v) => checkId(report, 'tls.client_cert_id', v));
}

function checkKeepalivePool(report: Report, pool: unknown): void {
  if (!checkRecord(report, 'keepalive_pool', pool)) return;
  checkKnownFields(report, 'keepalive_pool', pool, KEEPALIVE_FIELDS);
  optional(pool, 'size', (v) => checkNumber(report, 'keepalive_pool.size', v, { integer: true, min: 1 }));
  optional(pool, 'idle_timeout', (v) => checkNumber(report, 'keepalive_pool.idle_timeout', v, { min: 0 }));
  optional(pool, 'requests', (v) => checkNumber(report, 'keepalive_pool.requests', v, { integer: true, min: 1 }));
}

/** APISIX refuses passive-only health checks: `active` is required. */
function checkHealthChecks(report: Report, checks: unknown): void {
  if (!checkRecord(report, 'checks', checks)) return;
  checkKnownFields(report, 'checks', checks, CHECKS_FIELDS);
  if (checks['active'] === undefined) report('missing_field', 'checks.active', 'health checks need active (passive alone is refused)');
  for (const mode of ['active', 'passive']) {
    const conf = checks[mode];
    if (conf === undefined) continue;
    if (!checkRecord(report, `checks.${mode}`, conf)) continue;
    if (isRecord(conf) && conf['type'] !== undefined) checkEnum(report, `checks.${mode}.type`, conf['type'], HEALTH_CHECK_TYPES);
  }
}
