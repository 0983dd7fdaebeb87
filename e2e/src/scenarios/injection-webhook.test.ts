import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'node:https';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startCluster, startWeftProcess, waitFor } from '../harness/index.js';
import type { Cluster, WeftProcess } from '../harness/index.js';
import { makeTempDir, removeTempDir } from '../harness/tempdir.js';
import { startAgent } from './agent-process.js';

// The sidecar injection webhook of a real control-plane process, called by the real kube-apiserver: the caBundle is
// written by the control plane's keeper, every Pod below is created through the API server and read back as stored.

const WEBHOOK_CONFIGURATION = 'weft-sidecar-injector';
const CONTROL_PLANE_NAMESPACE = 'weft-system';

interface Container {
  name: string;
  image?: string;
  restartPolicy?: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];
  securityContext?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  [field: string]: unknown;
}
interface Pod {
  metadata: { name: string; namespace?: string; generateName?: string; annotations?: Record<string, string>; labels?: Record<string, string>; [k: string]: unknown };
  spec: { containers: Container[]; initContainers?: Container[]; volumes?: { name: string; [k: string]: unknown }[]; [k: string]: unknown };
}
interface WebhookConfiguration {
  webhooks: { clientConfig: { caBundle?: string; url?: string } }[];
}

const names = (list: readonly { name: string }[] | undefined): string[] => (list ?? []).map((c) => c.name);

describe('injection webhook against a real kube-apiserver', () => {
  let cluster: Cluster;
  let cp: WeftProcess;
  let port: number;
  let home: string;
  /** The CA of NATS's server certificate the control plane hands to agents (any CA will do: nothing dials NATS here). */
  let natsCaPem: string;

  const createPod = async (pod: unknown): Promise<Pod> => JSON.parse(await cluster.kubectl(['create', '-o', 'json', '-f', '-'], JSON.stringify(pod))) as Pod;
  /** kubectl's error text for a create the API server refuses. */
  const refusal = async (pod: unknown): Promise<string> => {
    try {
      await createPod(pod);
    } catch (err) {
      return (err as { stderr?: string }).stderr ?? (err as Error).message;
    }
    throw new Error('the pod was created, but the webhook should have refused it');
  };
  /** A namespace with its `default` ServiceAccount (no controller-manager makes it here; pod admission needs it). */
  const namespace = async (name: string, labels: Record<string, string>): Promise<void> => {
    await cluster.kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }));
    await cluster.kubectl(['create', 'serviceaccount', 'default', '-n', name]);
  };
  const webhookConfiguration = async (): Promise<WebhookConfiguration> =>
    JSON.parse(await cluster.kubectl(['get', 'mutatingwebhookconfiguration', WEBHOOK_CONFIGURATION, '-o', 'json'])) as WebhookConfiguration;
  const caBundle = async (): Promise<string | undefined> => {
    const encoded = (await webhookConfiguration()).webhooks[0]?.clientConfig.caBundle;
    return encoded === undefined || encoded === '' ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
  };
  const pod = (name: string, ns: string, extra: { annotations?: Record<string, string>; spec?: Record<string, unknown>; containers?: Container[] } = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }) },
    spec: { containers: extra.containers ?? [{ name: 'app', image: 'registry.example/app:1.0' }], ...extra.spec },
  });

  beforeAll(async () => {
    cluster = await startCluster({ gatewayApi: 'none' });
    port = await freePort();
    home = makeTempDir('injection');
    natsCaPem = cluster.certificates.ca.certPem;
    writeFileSync(join(home, 'nats-ca.crt'), natsCaPem);
    await namespace(CONTROL_PLANE_NAMESPACE, {});
    // As the chart registers it, but with a URL on loopback (the API server runs on this host) and without a
    // namespace selector, so the webhook's own decisions are what the tests see. failurePolicy Fail: a pod is never
    // created unmeshed because the webhook could not be reached.
    await cluster.kubectl(['create', '-f', '-'], JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: WEBHOOK_CONFIGURATION },
      webhooks: [{
        name: 'sidecar-injector.weft.dev',
        clientConfig: { url: `https://localhost:${port}/inject` },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', CONTROL_PLANE_NAMESPACE] }] },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 10,
      }],
    }));
    cp = startWeftProcess({
      name: 'control-plane',
      entry: 'apps/control-plane/src/cli.ts',
      // No NATS runs: the webhook must not depend on it (the control plane keeps waiting for NATS meanwhile).
      args: [
        '--kubeconfig', cluster.kubeconfigPath,
        '--cluster-id', 'e2e-inject',
        '--nats-url', `nats://127.0.0.1:${await freePort()}`,
        '--health-port', '0', '--health-host', '127.0.0.1',
        // The webhook loads the CA itself (the same Secret the certificate service uses); that service stays off
        // here so no fixed port is bound.
        '--ca-listen', 'off',
        '--webhook-listen', `127.0.0.1:${port}`,
        // The certificate must name the host of the URL the API server dials.
        '--webhook-dns-names', 'localhost',
        '--webhook-resync', '1s',
        '--inject-agent-image', 'weft/agent:e2e',
        '--inject-nats-url', 'nats://weft-nats.weft-system.svc:4222',
        '--inject-ca-address', 'weft-control-plane.weft-system.svc:15012',
        '--inject-nats-ca-file', join(home, 'nats-ca.crt'),
      ],
      env: { POD_NAMESPACE: CONTROL_PLANE_NAMESPACE, POD_NAME: 'weft-control-plane-e2e' },
    });
    await cp.waitForLine('the webhook listening', (l) => l['msg'] === 'injection webhook listening', 60_000);
  }, 120_000);

  afterAll(async () => {
    await cp.stop();
    await cluster.stop();
    removeTempDir(home);
  });

  it('webhook - the keeper writes the CA bundle into the configuration, and it verifies the webhook’s certificate for its URL host', async () => {
    const bundle = await waitFor('the caBundle', caBundle, { timeoutMs: 20_000 });
    expect(bundle).toContain('-----BEGIN CERTIFICATE-----');
    // The roots of Weft's CA, kept in the Secret every replica (and the certificate service) signs with.
    const secret = JSON.parse(await cluster.kubectl(['get', 'secret', 'weft-ca', '-n', CONTROL_PLANE_NAMESPACE, '-o', 'json'])) as { data: Record<string, string> };
    expect(new X509Certificate(bundle).fingerprint256).toBe(new X509Certificate(Buffer.from(secret.data['root-cert.pem'] ?? '', 'base64').toString('utf8')).fingerprint256);
    const served = await new Promise<X509Certificate>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, servername: 'localhost', ca: bundle, path: '/inject', method: 'GET', agent: false }, (res) => {
        resolve(new X509Certificate((res.socket as TLSSocket).getPeerCertificate().raw));
        res.resume();
      });
      req.on('error', reject);
      req.end();
    });
    expect(served.subjectAltName).toContain('DNS:localhost');
    expect(served.subjectAltName).toContain(`DNS:weft-control-plane.${CONTROL_PLANE_NAMESPACE}.svc`);
    expect(served.subjectAltName).toContain(`/ns/${CONTROL_PLANE_NAMESPACE}/sa/weft-control-plane`);
  });

  it('webhook - a pod created in a labelled namespace is stored injected: native sidecars, token, annotations', async () => {
    await waitFor('the caBundle', caBundle, { timeoutMs: 20_000 });
    await namespace('shop', { 'weft.dev/inject': 'enabled' });
    const stored = await createPod(pod('web', 'shop'));
    expect(names(stored.spec.initContainers)).toEqual(['weft-init', 'weft-agent', 'weft-apisix']);
    expect(names(stored.spec.containers)).toEqual(['app']);
    const [init, agent, apisix] = stored.spec.initContainers ?? [];
    expect(init?.restartPolicy).toBeUndefined();
    expect(agent?.restartPolicy).toBe('Always');
    expect(apisix?.restartPolicy).toBe('Always');
    expect(init?.args?.slice(0, 3)).toEqual(['iptables', '--inbound-port', '15006']);
    expect(init?.securityContext).toMatchObject({ runAsUser: 0, privileged: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } });
    expect(agent?.securityContext).toMatchObject({ runAsUser: 1337, runAsNonRoot: true });
    expect(agent?.env?.find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef.fieldPath).toBe('metadata.name');
    expect(agent?.env?.find((e) => e.name === 'WEFT_NATS_URL')?.value).toBe('nats://weft-nats.weft-system.svc:4222');
    expect(agent?.env?.find((e) => e.name === 'WEFT_CLUSTER_ID')?.value).toBe('e2e-inject');
    // The token, and the CA roots projected from the pod's annotation (the API server validates the field path).
    expect(stored.spec.volumes?.find((v) => v.name === 'weft-token')).toMatchObject({
      projected: {
        sources: [
          { serviceAccountToken: { audience: 'weft', expirationSeconds: 3600, path: 'token' } },
          { downwardAPI: { items: [{ path: 'ca-roots.pem', fieldRef: { fieldPath: "metadata.annotations['weft.dev/ca-roots']" } }] } },
          { downwardAPI: { items: [{ path: 'nats-ca.pem', fieldRef: { fieldPath: "metadata.annotations['weft.dev/nats-ca']" } }] } },
        ],
      },
    });
    // NATS's CA, read from --inject-nats-ca-file, travels the same way to the agent's WEFT_NATS_CA file.
    expect(stored.metadata.annotations?.['weft.dev/nats-ca']).toBe(natsCaPem);
    expect(agent?.env?.find((e) => e.name === 'WEFT_NATS_CA')?.value).toBe('/var/run/secrets/weft/nats-ca.pem');
    // Clients decide mTLS by this label (like Istio's security.istio.io/tlsMode).
    expect(stored.metadata.labels?.['security.weft.dev/tlsMode']).toBe('weft');
    expect(stored.metadata.annotations?.['weft.dev/ca-roots']).toBe(await caBundle());
    expect(agent?.env?.find((e) => e.name === 'WEFT_CA_ROOT_FILE')?.value).toBe('/var/run/secrets/weft/ca-roots.pem');
    expect(JSON.parse(stored.metadata.annotations?.['weft.dev/injected'] ?? '{}')).toMatchObject({ agentImage: 'weft/agent:e2e', configStore: 'etcd', nativeSidecars: true });
    expect(JSON.parse(stored.metadata.annotations?.['weft.dev/status'] ?? '{}')).toEqual({
      initContainers: ['weft-init', 'weft-agent', 'weft-apisix'],
      containers: [],
      volumes: ['weft-token', 'weft-state', 'weft-apisix-config'],
    });
  });

  it('webhook - the app’s probes go through the agent: stored rewritten, and the real agent runs the originals against the app', async () => {
    await waitFor('the caBundle', caBundle, { timeoutMs: 20_000 });
    let ready = true;
    const app = createServer((req, res) => {
      res.statusCode = req.url === '/ready' && ready ? 200 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const appPort = (app.address() as AddressInfo).port;
    try {
      await namespace('probes', { 'weft.dev/inject': 'enabled' });
      const stored = await createPod(pod('web', 'probes', {
        containers: [{
          name: 'web',
          image: 'registry.example/web:1.0',
          ports: [{ name: 'http', containerPort: appPort }],
          readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 3 },
          livenessProbe: { tcpSocket: { port: appPort }, initialDelaySeconds: 5 },
        }],
      }));
      const web = stored.spec.containers.find((c) => c.name === 'web');
      // Stored pointing at the agent's health port; the API server defaulted the probes before the webhook saw them
      // (timeoutSeconds 1 reaches the agent too).
      expect(web?.readinessProbe).toMatchObject({ httpGet: { path: '/app-health/web/readyz', port: 15021, scheme: 'HTTP' }, periodSeconds: 3 });
      expect(web?.livenessProbe).toMatchObject({ httpGet: { path: '/app-health/web/livez', port: 15021, scheme: 'HTTP' }, initialDelaySeconds: 5 });
      expect(web?.livenessProbe).not.toHaveProperty('tcpSocket');
      const probers = stored.spec.initContainers?.find((c) => c.name === 'weft-agent')?.env?.find((e) => e.name === 'WEFT_APP_PROBERS')?.value ?? '';
      expect(JSON.parse(probers)).toEqual({
        '/app-health/web/readyz': { httpGet: { path: '/ready', port: appPort }, timeoutSeconds: 1 },
        '/app-health/web/livez': { tcpSocket: { port: appPort }, timeoutSeconds: 1 },
      });

      // The agent, given exactly that variable, answers the kubelet's rewritten probes by probing the app.
      await using agent = await startAgent({ natsUrl: `nats://127.0.0.1:${await freePort()}`, namespace: 'probes', pod: 'web', extraArgs: ['--app-probers', probers] });
      const probe = async (kind: string): Promise<number> => (await fetch(`${agent.health}/app-health/web/${kind}`)).status;
      expect(await probe('readyz')).toBe(200);
      expect(await probe('livez')).toBe(200);
      ready = false;
      expect(await probe('readyz')).toBe(503);
      await new Promise<void>((resolve) => {
        app.closeAllConnections();
        app.close(() => {
          resolve();
        });
      });
      expect(await probe('livez')).toBe(503);
      expect(await probe('startupz')).toBe(404);
    } finally {
      if (app.listening) app.close();
    }
  });

  it('webhook - a Deployment’s pod template created as a Pod (generateName, no name yet) comes back injected', async () => {
    await waitFor('the caBundle', caBundle, { timeoutMs: 20_000 });
    await namespace('orders', { 'weft.dev/inject': 'enabled' });
    await cluster.kubectl(['create', 'deployment', 'orders', '-n', 'orders', '--image=registry.example/orders:2.0', '--port=8080']);
    const deployment = JSON.parse(await cluster.kubectl(['get', 'deployment', 'orders', '-n', 'orders', '-o', 'json'])) as { spec: { template: { metadata: Record<string, unknown>; spec: Record<string, unknown> } } };
    // No controller-manager runs: create the ReplicaSet's pod ourselves, as it would (generateName from the template).
    const stored = await createPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...deployment.spec.template.metadata, generateName: 'orders-7d9c5b8f6-', namespace: 'orders' },
      spec: deployment.spec.template.spec,
    });
    expect(stored.metadata.name).toMatch(/^orders-7d9c5b8f6-[a-z0-9]{5}$/);
    expect(names(stored.spec.initContainers)).toEqual(['weft-init', 'weft-agent', 'weft-apisix']);
    expect(names(stored.spec.containers)).toEqual(['orders']);
    expect(stored.metadata.annotations?.['kubectl.kubernetes.io/default-container']).toBe('orders');
  });

  it('webhook - exclusion annotations reach the init container and the yaml store annotation reaches APISIX and the agent', async () => {
    await waitFor('the caBundle', caBundle, { timeoutMs: 20_000 });
    await namespace('reports', { 'weft.dev/inject': 'enabled' });
    const stored = await createPod(pod('reports', 'reports', {
      annotations: { 'weft.dev/config-store': 'yaml', 'traffic.weft.dev/excludeOutboundPorts': '5432', 'traffic.weft.dev/excludeOutboundIPRanges': '169.254.169.254/32' },
    }));
    const [init, agent, apisix] = stored.spec.initContainers ?? [];
    expect(init?.args).toEqual(expect.arrayContaining(['--exclude-outbound-ports', '5432', '--exclude-outbound-cidrs', '169.254.169.254/32']));
    expect(agent?.env?.find((e) => e.name === 'WEFT_STORE')?.value).toBe('yaml');
    expect(apisix?.env?.find((e) => e.name === 'WEFT_APISIX_CONFIG')?.value).toContain('config_provider: yaml');
  });

  it('webhook - pods of an unlabelled namespace, opted-out pods and host-network pods get no sidecar', async () => {
    await waitFor('the caBundle', caBundle, { timeoutMs: 20_000 });
    await namespace('plain', {});
    const plain = await createPod(pod('plain', 'plain'));
    expect(plain.spec.initContainers).toBeUndefined();
    expect(plain.metadata.annotations).toBeUndefined();

    await namespace('batch', { 'weft.dev/inject': 'enabled' });
    const optedOut = await createPod(pod('job', 'batch', { annotations: { 'weft.dev/inject': 'false' } }));
    expect(optedOut.spec.initContainers).toBeUndefined();
    expect(optedOut.metadata.annotations).toEqual({ 'weft.dev/inject': 'false' });

    const hostNetwork = await createPod(pod('exporter', 'batch', { spec: { hostNetwork: true } }));
    expect(hostNetwork.spec.initContainers).toBeUndefined();
    expect(hostNetwork.metadata.annotations?.['weft.dev/injection-skipped']).toContain('host network');
  });

  it('webhook - a pod with a container named like the agent, and a namespace asking for Istio too, are refused with the reason', async () => {
    await waitFor('the caBundle', caBundle, { timeoutMs: 20_000 });
    await namespace('impostors', { 'weft.dev/inject': 'enabled' });
    const clash = await refusal(pod('impostor', 'impostors', { containers: [{ name: 'app', image: 'a' }, { name: 'weft-agent', image: 'someone/else' }] }));
    expect(clash).toContain('admission webhook "sidecar-injector.weft.dev" denied the request');
    expect(clash).toContain('it already has a container named "weft-agent"');
    await expect(cluster.kubectl(['get', 'pod', 'impostor', '-n', 'impostors'])).rejects.toThrow(/NotFound/);

    await namespace('both-meshes', { 'weft.dev/inject': 'enabled', 'istio-injection': 'enabled' });
    const both = await refusal(pod('api', 'both-meshes'));
    expect(both).toContain('has both weft.dev/inject=enabled and istio-injection=enabled');
  });

  it('webhook - idempotent: an injected pod sent through the webhook again is not changed', async () => {
    const bundle = await waitFor('the caBundle', caBundle, { timeoutMs: 20_000 });
    await namespace('again', { 'weft.dev/inject': 'enabled' });
    const first = await createPod(pod('first', 'again'));
    // The stored, injected pod as a new pod (what `kubectl get -o yaml | kubectl create` does).
    const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ct, managedFields: _mf, ...metadata } = first.metadata;
    const copy = { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: 'second' }, spec: first.spec };
    const second = await createPod(copy);
    expect(names(second.spec.initContainers)).toEqual(['weft-init', 'weft-agent', 'weft-apisix']);
    expect(second.spec.volumes?.filter((v) => v.name.startsWith('weft-'))).toHaveLength(3);

    // And straight to the webhook: the answer carries no patch at all.
    const answer = await new Promise<{ response: { allowed: boolean; patch?: string; uid: string } }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, servername: 'localhost', ca: bundle, path: '/inject', method: 'POST', headers: { 'Content-Type': 'application/json' }, agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            resolve(JSON.parse(text) as { response: { allowed: boolean; patch?: string; uid: string } });
          });
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: 'again-1', operation: 'CREATE', namespace: 'again', resource: { group: '', version: 'v1', resource: 'pods' }, object: first },
      }));
    });
    expect(answer.response).toEqual({ uid: 'again-1', allowed: true });
  });

  it('webhook - the keeper restores a caBundle removed from the configuration', async () => {
    const bundle = await waitFor('the caBundle', caBundle, { timeoutMs: 20_000 });
    const removed = JSON.parse(await cluster.kubectl([
      'patch', 'mutatingwebhookconfiguration', WEBHOOK_CONFIGURATION, '--type=json', '-o', 'json',
      '-p', JSON.stringify([{ op: 'remove', path: '/webhooks/0/clientConfig/caBundle' }]),
    ])) as WebhookConfiguration & { metadata: { resourceVersion: string } };
    expect(removed.webhooks[0]?.clientConfig.caBundle).toBeUndefined();
    // The keeper (resync 1 s here) writes it back: a newer version of the object carries the same bundle again.
    const restored = await waitFor('the caBundle written again', async () => {
      const current = JSON.parse(await cluster.kubectl(['get', 'mutatingwebhookconfiguration', WEBHOOK_CONFIGURATION, '-o', 'json'])) as WebhookConfiguration & { metadata: { resourceVersion: string } };
      const encoded = current.webhooks[0]?.clientConfig.caBundle;
      return current.metadata.resourceVersion !== removed.metadata.resourceVersion && encoded !== undefined ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
    }, { timeoutMs: 15_000 });
    expect(restored).toBe(bundle);
    await namespace('after-repair', { 'weft.dev/inject': 'enabled' });
    expect(names((await createPod(pod('web', 'after-repair'))).spec.initContainers)).toContain('weft-agent');
    expect(cp.exitCode()).toBeUndefined();
  });

  it('webhook - weft_injections_total counts every result; review time is measured', async () => {
    const health = String((await cp.waitForLine('the health server', (l) => l['msg'] === 'listening'))['health']);
    const text = await (await fetch(`${health}/metrics`)).text();
    const count = (result: string): number => Number(new RegExp(`^weft_injections_total\\{result="${result}"[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    // web, probes/web, orders, reports, first, web (after repair): 6 injected; "second" and the direct POST: already injected.
    expect(count('injected')).toBe(6);
    expect(count('already_injected')).toBe(2);
    expect(count('not_selected')).toBe(2);
    expect(count('host_network')).toBe(1);
    expect(count('refused')).toBe(2);
    expect(count('error')).toBe(0);
    const sum = Number(/^weft_injection_review_duration_seconds_sum\{[^}]*\} ([\d.e-]+)$/m.exec(text)?.[1]);
    const reviews = Number(/^weft_injection_review_duration_seconds_count\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
    expect(reviews).toBe(13);
    console.log(`injection webhook: ${reviews} reviews, mean ${((sum / reviews) * 1000).toFixed(2)} ms each (namespace lookup included)`);
  });
});
