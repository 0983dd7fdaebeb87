import { X509Certificate, randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { dryRunCreatePod, KubeApiError, readMutatingWebhookConfiguration } from '@weft/k8s';
import type { KubeHttp, KubeObject, MutatingWebhookConfiguration } from '@weft/k8s';
import { fail, ok, reason, warn } from './check-result.js';
import type { CheckResult } from './check-result.js';

// The injector's user-facing names (apps/control-plane/src/injection/names.ts): the opt-in label the chart's
// object webhook selects, and the annotation every injected pod gets.
const INJECT_LABEL = 'weft.dev/inject';
const STATUS_ANNOTATION = 'weft.dev/status';

/** What the configuration says about where the webhook is and whom to trust. */
export interface WebhookTarget {
  /** The caBundle (PEM) of the first webhook: what the API server trusts. */
  readonly caBundlePem: string;
  /** The name the API server checks in the serving certificate: `<service>.<namespace>.svc`, or the URL's host. */
  readonly serverName: string;
}

function certificatesOf(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

/**
 * The MutatingWebhookConfiguration: present, with webhooks, each with a caBundle of certificates, and (when the CA
 * Secret was read) a caBundle that holds the CA's roots, which certify the webhook's serving certificate.
 */
export async function checkWebhookConfiguration(http: KubeHttp, name: string, caRootsPem: string | undefined): Promise<{ results: CheckResult[]; target?: WebhookTarget }> {
  const check = `webhook configuration ${name}`;
  let config: MutatingWebhookConfiguration | undefined;
  try {
    config = await readMutatingWebhookConfiguration(http, name);
  } catch (err) {
    return { results: [fail(check, `could not be read: ${reason(err)}`, 'check the kubeconfig and that you may get mutatingwebhookconfigurations')] };
  }
  if (config === undefined) return { results: [fail(check, 'not found: no pod gets a sidecar', 'helm install (or upgrade) charts/weft with injection.enabled=true; --webhook-configuration names it')] };
  const webhooks = config.webhooks ?? [];
  const first = webhooks[0];
  if (first === undefined) return { results: [fail(check, 'has no webhooks', 'helm upgrade the release: the chart renders two')] };
  const unset = webhooks.filter((w) => (w.clientConfig.caBundle ?? '') === '').map((w) => w.name);
  if (unset.length > 0) {
    return { results: [fail(check, `no caBundle in ${unset.join(', ')}: the API server cannot trust the webhook`, 'the control plane writes it at start and every --webhook-resync: check that a replica runs and may update this configuration')] };
  }
  const bundles = new Set(webhooks.map((w) => w.clientConfig.caBundle));
  const caBundlePem = Buffer.from(first.clientConfig.caBundle ?? '', 'base64').toString('utf8');
  let bundle: X509Certificate[];
  try {
    bundle = certificatesOf(caBundlePem);
  } catch (err) {
    return { results: [fail(check, `the caBundle is not PEM certificates: ${reason(err)}`, 'delete the caBundle fields; the control plane writes them again')] };
  }
  if (bundle.length === 0) return { results: [fail(check, 'the caBundle holds no certificate', 'delete the caBundle fields; the control plane writes them again')] };
  const service = first.clientConfig.service;
  const serverName = service !== undefined ? `${service.name}.${service.namespace}.svc` : new URL(first.clientConfig.url ?? 'https://invalid').hostname;
  const where = service !== undefined ? `Service ${service.namespace}/${service.name}:${service.port ?? 443}${service.path ?? ''}` : (first.clientConfig.url ?? '');
  const results = [ok(check, `${webhooks.length} webhook(s) calling ${where}, failurePolicy ${first.failurePolicy ?? 'Fail'}${bundles.size > 1 ? ' (their caBundles differ)' : ''}`)];
  if (caRootsPem !== undefined) {
    const bundleName = `webhook caBundle`;
    const roots = certificatesOf(caRootsPem);
    const prints = new Set(bundle.map((c) => c.fingerprint256));
    const missing = roots.filter((root) => !prints.has(root.fingerprint256));
    results.push(
      missing.length === 0
        ? ok(bundleName, `holds the CA's root${roots.length > 1 ? 's' : ''}, which sign${roots.length > 1 ? '' : 's'} the webhook's serving certificate`)
        : fail(
            bundleName,
            `does not hold the CA root "${missing.map((c) => c.subject.replace(/\n/g, ', ')).join('", "')}": the API server will not trust the webhook's serving certificate`,
            'the control plane repairs it within --webhook-resync (60s); if it stays wrong, check the control plane logs for "could not write the CA bundle"',
          ),
    );
  }
  return { results, target: { caBundlePem, serverName } };
}

/** A Pod the object webhook selects (labelled for injection), never stored: dry run, or a review the webhook only answers. */
function checkPod(namespace: string, serviceAccount: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `weftctl-check-${randomUUID().slice(0, 8)}`, namespace, labels: { [INJECT_LABEL]: 'true', 'app.kubernetes.io/name': 'weftctl-check' } },
    spec: { serviceAccountName: serviceAccount, automountServiceAccountToken: false, containers: [{ name: 'check', image: 'weftctl-check:dry-run' }] },
  };
}

export interface ReachOptions {
  readonly http: KubeHttp;
  readonly target: WebhookTarget;
  /** Call the webhook here directly (e.g. through kubectl port-forward) instead of through the API server. */
  readonly webhookUrl: string;
  /** Namespace and ServiceAccount of the dry-run pod. */
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly timeoutMs: number;
}

/**
 * Whether the webhook answers. Through the API server (default): a dry-run Pod create, so the API server itself
 * dials the webhook with the configuration's caBundle; the pod must come back injected. Directly (--webhook-url): a
 * TLS handshake that trusts only the caBundle and checks the name the API server checks, then an AdmissionReview.
 */
export async function checkWebhookReachable(options: ReachOptions): Promise<CheckResult> {
  return options.webhookUrl === '' ? throughApiServer(options) : direct(options);
}

async function throughApiServer(options: ReachOptions): Promise<CheckResult> {
  const name = 'webhook reachable';
  const started = Date.now();
  try {
    const pod = await dryRunCreatePod(options.http, options.namespace, checkPod(options.namespace, options.serviceAccount));
    const ms = Date.now() - started;
    if (pod.metadata?.annotations?.[STATUS_ANNOTATION] === undefined) {
      return warn(
        name,
        `a dry-run pod labelled ${INJECT_LABEL}=true in ${options.namespace} came back without a sidecar (${ms} ms): no webhook selected it, or it declined`,
        `check the namespace's labels (${INJECT_LABEL}=disabled is never injected), or choose another with --check-namespace`,
      );
    }
    return ok(name, `the API server called it for a dry-run pod in ${options.namespace} and it injected the sidecar (${ms} ms)`);
  } catch (err) {
    const message = reason(err);
    if (err instanceof KubeApiError && /failed calling webhook/.test(message)) {
      const untrusted = /x509|certificate|tls/i.test(message);
      return fail(
        name,
        `the API server could not call it: ${message}`,
        untrusted
          ? 'the caBundle does not verify the serving certificate: the control plane rewrites the caBundle within --webhook-resync; check that it runs'
          : 'check that a control plane replica is ready and its Service has endpoints (kubectl get endpointslices -n <namespace>)',
      );
    }
    if (err instanceof KubeApiError && /denied the request/.test(message)) {
      return fail(name, `it answered, but refused the dry-run pod: ${message}`, 'read the control plane logs for "refused a pod" or "injection failed"');
    }
    return fail(name, `the dry-run pod could not be created: ${message}`, `the dry-run needs namespace ${options.namespace} and its ServiceAccount ${options.serviceAccount} (--check-namespace, --service-account), or pass --webhook-url`);
  }
}

interface AdmissionReviewReply {
  readonly response?: { readonly uid?: string; readonly allowed?: boolean; readonly patch?: string; readonly status?: { readonly message?: string } };
}

function direct(options: ReachOptions): Promise<CheckResult> {
  const name = 'webhook reachable';
  const url = new URL(options.webhookUrl);
  const uid = randomUUID();
  const pod = checkPod(options.namespace, options.serviceAccount);
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: pod.metadata?.name,
      namespace: options.namespace,
      operation: 'CREATE',
      userInfo: { username: 'weftctl-check' },
      object: pod,
      dryRun: true,
    },
  });
  const started = Date.now();
  return new Promise<CheckResult>((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port === '' ? 443 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        // Exactly what the API server trusts and checks: the caBundle, and the configuration's host name.
        ca: options.target.caBundlePem,
        servername: options.target.serverName,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        timeout: options.timeoutMs,
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const ms = Date.now() - started;
          let reply: AdmissionReviewReply;
          try {
            reply = JSON.parse(text) as AdmissionReviewReply;
          } catch {
            resolve(fail(name, `${url.origin}${url.pathname} answered HTTP ${res.statusCode ?? 0} that is not an AdmissionReview: ${text.slice(0, 120)}`, 'is --webhook-url the webhook (path /inject)?'));
            return;
          }
          const response = reply.response;
          if (res.statusCode !== 200 || response?.uid !== uid) {
            resolve(fail(name, `HTTP ${res.statusCode ?? 0}, no answer to the review sent (uid ${uid})`, 'is --webhook-url the webhook (path /inject)?'));
          } else if (response.allowed !== true) {
            resolve(fail(name, `it refused the check pod: ${response.status?.message ?? '(no message)'}`, 'read the control plane logs for "refused a pod" or "injection failed"'));
          } else if (response.patch === undefined) {
            resolve(warn(name, `it answered in ${ms} ms but did not inject a pod labelled ${INJECT_LABEL}=true in ${options.namespace}`, `check the labels of namespace ${options.namespace}, or choose another with --check-namespace`));
          } else {
            resolve(ok(name, `${url.host} verified with the caBundle as ${options.target.serverName}, injected a check pod in ${ms} ms`));
          }
        });
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error(`no answer in ${options.timeoutMs} ms`));
    });
    req.on('error', (err) => {
      const tls = /certificate|self[- ]signed|altnames|Hostname\/IP/i.test(err.message);
      resolve(
        fail(
          name,
          tls ? `the caBundle does not verify its serving certificate for ${options.target.serverName}: ${err.message}` : `${url.host}: ${err.message}`,
          tls ? 'the control plane rewrites the caBundle within --webhook-resync; check that it runs and that the configuration names its Service' : 'is the control plane running, and --webhook-url right (e.g. kubectl port-forward to its webhook port)?',
        ),
      );
    });
    req.end(body);
  });
}
