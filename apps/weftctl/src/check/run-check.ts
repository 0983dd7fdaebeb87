import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from '@weft/k8s';
import { ConfigError, configHelp, entry, parseConfig, parsers } from '@weft/telemetry';
import type { ConfigOf } from '@weft/telemetry';
import type { Io } from '../commands.js';
import { checkCa } from './ca-check.js';
import { fail, formatResults, reason } from './check-result.js';
import type { CheckResult } from './check-result.js';
import { checkCrds } from './crd-checks.js';
import { checkLease } from './lease-check.js';
import { checkNats } from './nats-check.js';
import { checkWebhookConfiguration, checkWebhookReachable } from './webhook-checks.js';

export const checkConfig = {
  kubeconfig: entry({ flag: 'kubeconfig', env: 'WEFT_KUBECONFIG', default: '', description: 'Kubeconfig of the cluster; empty: $KUBECONFIG, then ~/.kube/config, then in-cluster.', parse: parsers.string }),
  namespace: entry({ flag: 'namespace', env: 'WEFT_NAMESPACE', default: 'weft-system', description: 'Namespace of the control plane (the Helm release’s).', parse: parsers.nonEmpty }),
  webhookConfiguration: entry({
    flag: 'webhook-configuration',
    env: 'WEFT_WEBHOOK_CONFIGURATION',
    default: 'weft-sidecar-injector',
    description: 'The MutatingWebhookConfiguration of the injector; empty: not checked (injection off).',
    parse: parsers.string,
  }),
  webhookUrl: entry({
    flag: 'webhook-url',
    env: 'WEFT_WEBHOOK_URL',
    default: '',
    description: 'Call the webhook here (e.g. https://127.0.0.1:15017/inject through kubectl port-forward), trusting only the caBundle; empty: a dry-run pod through the API server.',
    parse: parsers.string,
  }),
  checkNamespace: entry({ flag: 'check-namespace', env: 'WEFT_CHECK_NAMESPACE', default: '', description: 'Namespace of the dry-run check pod (labelled weft.dev/inject=true); empty: --namespace.', parse: parsers.string }),
  serviceAccount: entry({ flag: 'service-account', env: 'WEFT_CHECK_SERVICE_ACCOUNT', default: 'weft-control-plane', description: 'ServiceAccount of the dry-run check pod (it must exist in its namespace).', parse: parsers.nonEmpty }),
  caSecret: entry({ flag: 'ca-secret', env: 'WEFT_CA_SECRET', default: 'weft-ca', description: 'The CA Secret (cacerts layout) in --namespace: the self-signed root’s, or the plugged CA’s (ca.plugged.secretName).', parse: parsers.nonEmpty }),
  trustDomain: entry({ flag: 'trust-domain', env: 'WEFT_TRUST_DOMAIN', default: 'cluster.local', description: 'SPIFFE trust domain of the mesh.', parse: parsers.nonEmpty }),
  caExpiryWarning: entry({ flag: 'ca-expiry-warning', env: 'WEFT_CA_EXPIRY_WARNING', default: '720h', description: 'A CA certificate that expires sooner than this is a WARN.', parse: parsers.duration }),
  leaseName: entry({ flag: 'lease-name', env: 'WEFT_LEADER_ELECTION_NAME', default: 'weft-control-plane', description: 'The leader Lease in --namespace; empty: not checked (leader election off).', parse: parsers.string }),
  natsUrl: entry({ flag: 'nats-url', env: 'WEFT_NATS_URL', default: 'nats://127.0.0.1:4222', description: 'NATS server(s), comma-separated (e.g. through kubectl port-forward svc/weft-nats 4222).', parse: parsers.nonEmpty }),
  clusterId: entry({ flag: 'cluster-id', env: 'WEFT_CLUSTER_ID', default: 'default', description: 'Cluster id (prefix of the NATS streams).', parse: parsers.token }),
  natsCa: entry({ flag: 'nats-ca', env: 'WEFT_NATS_CA', default: '', description: 'PEM file of the CA of NATS’s server certificate (TLS).', parse: parsers.string }),
  natsCert: entry({ flag: 'nats-cert', env: 'WEFT_NATS_CERT', default: '', description: 'PEM client certificate for NATS mutual TLS.', parse: parsers.string }),
  natsKey: entry({ flag: 'nats-key', env: 'WEFT_NATS_KEY', default: '', description: 'PEM client key for NATS mutual TLS.', parse: parsers.string }),
  timeout: entry({ flag: 'timeout', env: 'WEFT_CHECK_TIMEOUT', default: '5s', description: 'How long one check waits for an answer.', parse: parsers.duration }),
  output: entry({ flag: 'output', env: 'WEFT_OUTPUT', default: 'text', description: 'text (a line per check) or json.', parse: parsers.oneOf('text', 'json') }),
};

export type CheckConfig = ConfigOf<typeof checkConfig>;

const USAGE = `weftctl check — checks an install against the cluster (like istioctl verify-install): Weft's CRDs, the
injection webhook (configuration, caBundle, reachable), the CA Secret, the leader Lease and NATS. One line per check:
OK, WARN or FAIL with a fix. Exit code 1 when any check fails.

weftctl check [--kubeconfig FILE] [--namespace weft-system] [--webhook-url URL] [--nats-url URL] [--output text|json]
`;

function kubeHttpOf(kubeconfig: string): KubeHttp {
  const config = new KubeConfig();
  if (kubeconfig === '') config.loadFromDefault();
  else config.loadFromFile(kubeconfig);
  return new KubeHttp(config);
}

/** Every check, in the order they print. Never throws for what it checks: a broken piece is a FAIL line. */
export async function runChecks(config: CheckConfig, now = new Date()): Promise<CheckResult[]> {
  let http: KubeHttp;
  try {
    http = kubeHttpOf(config.kubeconfig);
  } catch (err) {
    return [fail('kubeconfig', `cannot be used: ${reason(err)}`, 'pass --kubeconfig or set KUBECONFIG')];
  }
  const tls = {
    ...(config.natsCa === '' ? {} : { caFile: config.natsCa }),
    ...(config.natsCert === '' ? {} : { certFile: config.natsCert }),
    ...(config.natsKey === '' ? {} : { keyFile: config.natsKey }),
  };
  const nats = checkNats({
    servers: config.natsUrl.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    cluster: config.clusterId,
    ...(Object.keys(tls).length === 0 ? {} : { tls }),
    timeoutMs: config.timeout,
  });
  const lease = config.leaseName === '' ? Promise.resolve(undefined) : checkLease(http, config.namespace, config.leaseName, now);
  const crds = checkCrds(http);
  const ca = await checkCa({ http, namespace: config.namespace, secretName: config.caSecret, trustDomain: config.trustDomain, expiryWarningMs: config.caExpiryWarning, now });
  const webhook = config.webhookConfiguration === '' ? { results: [] } : await checkWebhookConfiguration(http, config.webhookConfiguration, ca.rootsPem);
  const reachable =
    webhook.target === undefined
      ? []
      : [
          await checkWebhookReachable({
            http,
            target: webhook.target,
            webhookUrl: config.webhookUrl,
            namespace: config.checkNamespace === '' ? config.namespace : config.checkNamespace,
            serviceAccount: config.serviceAccount,
            timeoutMs: config.timeout,
          }),
        ];
  const leaseResult = await lease;
  return [...(await crds), ...webhook.results, ...reachable, ca.result, ...(leaseResult === undefined ? [] : [leaseResult]), await nats];
}

/** `weftctl check`: prints the checks; 0 when none failed, 1 when one did, 2 for bad usage. */
export async function runCheck(args: readonly string[], io: Io): Promise<number> {
  if (args.includes('--help')) {
    io.out(`${USAGE}\n${configHelp(checkConfig)}\n`);
    return 0;
  }
  let config: CheckConfig;
  try {
    config = parseConfig(checkConfig, args, io.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`weftctl check: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const results = await runChecks(config);
  const failed = results.some((r) => r.status === 'FAIL');
  if (config.output === 'json') io.out(`${JSON.stringify({ ok: !failed, checks: results }, null, 2)}\n`);
  else io.out(formatResults(results));
  return failed ? 1 : 0;
}
