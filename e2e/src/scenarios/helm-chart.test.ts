import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Container, V1Deployment, V1MutatingWebhook, V1MutatingWebhookConfiguration, V1PolicyRule } from '@kubernetes/client-node';
import { generateClusterCertificates } from '../harness/certs.js';
import { REPO_ROOT, serverPath, startCluster, startNats, startWeftProcess, waitFor } from '../harness/index.js';
import type { Cluster } from '../harness/index.js';
import { makeTempDir, removeTempDir } from '../harness/tempdir.js';
import { accessReviews, CHART, containerEnv, find, kindNames, parseManifests, runHelm, serviceAccountKubeconfig, valuesFile } from './helm-chart-run.js';
import type { KubeObject } from './helm-chart-run.js';

const execFileAsync = promisify(execFile);
const NS = 'weft-system';
const SCHEMA_ERROR = "values don't meet the specifications of the schema(s)";

let home: string;
beforeAll(() => {
  home = makeTempDir('helm');
});
afterAll(() => {
  removeTempDir(home);
});

let renders = 0;
/** `helm template` of the chart as release "weft" in weft-system with these values; throws with helm's message. */
async function render(values: object = {}): Promise<KubeObject[]> {
  const file = valuesFile(home, `render-${++renders}`, values);
  const result = await runHelm(home, ['template', 'weft', CHART, '--namespace', NS, '--values', file]);
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}): ${result.stderr}`);
  return parseManifests(result.stdout);
}

/** `helm template` that must fail; returns helm's error output. */
async function refusal(values: object): Promise<string> {
  const file = valuesFile(home, `refused-${++renders}`, values);
  const result = await runHelm(home, ['template', 'weft', CHART, '--namespace', NS, '--values', file]);
  expect(result.code, `helm template should refuse ${JSON.stringify(values)}`).not.toBe(0);
  return result.stderr;
}

const controlPlaneContainer = (objects: readonly KubeObject[]): V1Container =>
  find(objects, 'Deployment', 'weft-control-plane').spec!.template.spec!.containers[0]!;
const envOf = (container: V1Container): Record<string, string | undefined> =>
  Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? (e.valueFrom?.fieldRef ? `fieldRef:${e.valueFrom.fieldRef.fieldPath}` : undefined)]));
/** Rules as comparable strings: "group|resource|verb|names" (or "url|verb"), one per combination. */
const ruleSet = (rules: readonly V1PolicyRule[]): string[] =>
  rules
    .flatMap((r) => [
      ...(r.apiGroups ?? []).flatMap((g) =>
        (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g}|${res}|${v}|${(r.resourceNames ?? []).join(',')}`)),
      ),
      ...(r.nonResourceURLs ?? []).flatMap((url) => r.verbs.map((v) => `${url}|${v}`)),
    ])
    .sort();
/** What local token verification (--ca-token-verification=local) reads: the issuer keys and the ServiceAccounts. */
const TOKEN_VERIFICATION_RULES = ['|serviceaccounts|list|', '|serviceaccounts|watch|', '/.well-known/openid-configuration|get', '/openid/v1/jwks|get'];

const controlPlaneSelector = {
  'app.kubernetes.io/name': 'weft',
  'app.kubernetes.io/instance': 'weft',
  'app.kubernetes.io/component': 'control-plane',
};

describe('helm chart - lint', () => {
  it('helm chart - helm lint passes, also with --strict', async () => {
    for (const args of [['lint', CHART], ['lint', '--strict', CHART]]) {
      const result = await runHelm(home, args);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.stdout).not.toContain('[WARNING]');
    }
  });
});

describe('helm chart - template', () => {
  it('helm chart - the default values render the control plane, its RBAC, the webhook and a bundled NATS', async () => {
    const objects = await render();
    expect(kindNames(objects)).toEqual([
      'ClusterRole/weft-control-plane',
      'ClusterRoleBinding/weft-control-plane',
      'ConfigMap/weft-nats',
      'Deployment/weft-control-plane',
      'MutatingWebhookConfiguration/weft-sidecar-injector',
      'PodDisruptionBudget/weft-control-plane',
      'Role/weft-control-plane',
      'RoleBinding/weft-control-plane',
      'Service/weft-control-plane',
      'Service/weft-nats',
      'Service/weft-nats-headless',
      'ServiceAccount/weft-control-plane',
      'StatefulSet/weft-nats',
    ]);
    for (const o of objects) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({
        'app.kubernetes.io/name': 'weft',
        'app.kubernetes.io/instance': 'weft',
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/part-of': 'weft',
        'helm.sh/chart': 'weft-0.1.0',
      });
      if (!['ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration'].includes(o.kind)) expect(o.metadata.namespace).toBe(NS);
    }
  });

  it('helm chart - the control plane: 2 replicas spread over nodes, probes, non-root read-only, its ports and downward-API identity', async () => {
    const objects = await render();
    const deployment = find(objects, 'Deployment', 'weft-control-plane');
    const pod = deployment.spec!.template.spec!;
    expect(deployment.spec!.replicas).toBe(2);
    expect(deployment.spec!.selector.matchLabels).toEqual(controlPlaneSelector);
    expect(pod.serviceAccountName).toBe('weft-control-plane');
    expect(pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: controlPlaneSelector } } },
    ]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const container = controlPlaneContainer(objects);
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.ports).toEqual([
      { name: 'http-monitoring', containerPort: 15014 },
      { name: 'grpc-ca', containerPort: 15012 },
      { name: 'https-webhook', containerPort: 15017 },
    ]);
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http-monitoring' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http-monitoring' });
    expect(container.resources?.requests).toEqual({ cpu: '100m', memory: '256Mi' });
    expect(container.resources?.limits).toEqual({ memory: '1Gi' });
    const env = envOf(container);
    expect(env).toMatchObject({
      POD_NAME: 'fieldRef:metadata.name',
      POD_NAMESPACE: 'fieldRef:metadata.namespace',
      WEFT_SOURCE: 'kubernetes',
      WEFT_HEALTH_PORT: '15014',
      WEFT_CLUSTER_ID: 'default',
      WEFT_NATS_URL: 'nats://weft-nats.weft-system.svc.cluster.local:4222',
    });
    // The read-only root file system needs a writable /tmp.
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);

    const service = find(objects, 'Service', 'weft-control-plane');
    expect(service.spec!.selector).toEqual(controlPlaneSelector);
    expect(service.spec!.ports!.map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ['grpc-ca', 15012, 'grpc-ca'],
      ['https-webhook', 443, 'https-webhook'],
      ['http-monitoring', 15014, 'http-monitoring'],
    ]);
    const pdb = find(objects, 'PodDisruptionBudget', 'weft-control-plane');
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: controlPlaneSelector } });
  });

  it('helm chart - one replica gets no PodDisruptionBudget; hard anti-affinity is required scheduling', async () => {
    const single = await render({ controlPlane: { replicas: 1 } });
    expect(kindNames(single)).not.toContain('PodDisruptionBudget/weft-control-plane');
    expect(find(single, 'Deployment', 'weft-control-plane').spec!.replicas).toBe(1);
    const three = await render({ controlPlane: { replicas: 3, antiAffinity: 'hard' } });
    const affinity = find(three, 'Deployment', 'weft-control-plane').spec!.template.spec!.affinity!.podAntiAffinity!;
    expect(affinity.preferredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    expect(affinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: controlPlaneSelector } },
    ]);
    expect(find(three, 'PodDisruptionBudget', 'weft-control-plane').spec!.minAvailable).toBe(1);
  });

  it('helm chart - RBAC is least privilege: reads of the world, route status, TokenReviews, its own webhook, Lease and CA Secret', async () => {
    const objects = await render();
    const clusterRole = find(objects, 'ClusterRole', 'weft-control-plane');
    expect(ruleSet(clusterRole.rules!)).toEqual(
      [
        '|namespaces|get|', '|namespaces|list|', '|namespaces|watch|', '|pods|list|', '|pods|watch|', '|services|list|', '|services|watch|',
        'discovery.k8s.io|endpointslices|list|', 'discovery.k8s.io|endpointslices|watch|',
        'gateway.networking.k8s.io|referencegrants|list|', 'gateway.networking.k8s.io|referencegrants|watch|',
        'mesh.weft.dev|meshauthorizations|get|', 'mesh.weft.dev|meshauthorizations|list|', 'mesh.weft.dev|meshauthorizations|watch|',
        'mesh.weft.dev|meshauthorizations/status|update|',
        'gateway.networking.k8s.io|httproutes|get|', 'gateway.networking.k8s.io|httproutes|list|', 'gateway.networking.k8s.io|httproutes|watch|',
        'gateway.networking.k8s.io|grpcroutes|get|', 'gateway.networking.k8s.io|grpcroutes|list|', 'gateway.networking.k8s.io|grpcroutes|watch|',
        'gateway.networking.k8s.io|httproutes/status|update|', 'gateway.networking.k8s.io|grpcroutes/status|update|',
        'authentication.k8s.io|tokenreviews|create|',
        ...TOKEN_VERIFICATION_RULES,
        'admissionregistration.k8s.io|mutatingwebhookconfigurations|get|weft-sidecar-injector',
        'admissionregistration.k8s.io|mutatingwebhookconfigurations|update|weft-sidecar-injector',
      ].sort(),
    );
    const role = find(objects, 'Role', 'weft-control-plane');
    expect(role.metadata!.namespace).toBe(NS);
    expect(ruleSet(role.rules!)).toEqual(
      [
        'coordination.k8s.io|leases|create|',
        'coordination.k8s.io|leases|get|weft-control-plane',
        'coordination.k8s.io|leases|watch|weft-control-plane',
        'coordination.k8s.io|leases|update|weft-control-plane',
        '|secrets|create|',
        '|secrets|get|weft-ca',
      ].sort(),
    );
    for (const rule of [...clusterRole.rules!, ...role.rules!]) {
      expect([...rule.verbs, ...(rule.resources ?? []), ...(rule.apiGroups ?? [])]).not.toContain('*');
    }
  });

  it('helm chart - the webhooks: labelled namespaces unless the pod opts out, opted-in pods elsewhere, failurePolicy from values, no caBundle', async () => {
    const objects = await render();
    const config = find(objects, 'MutatingWebhookConfiguration', 'weft-sidecar-injector');
    const hooks = config.webhooks!;
    expect(hooks.map((h) => [h.name, h.namespaceSelector, h.objectSelector])).toEqual([
      [
        'namespace.sidecar-injector.weft.dev',
        { matchLabels: { 'weft.dev/inject': 'enabled' } },
        { matchExpressions: [{ key: 'weft.dev/inject', operator: 'NotIn', values: ['false'] }] },
      ],
      [
        'object.sidecar-injector.weft.dev',
        { matchExpressions: [{ key: 'weft.dev/inject', operator: 'DoesNotExist' }] },
        { matchLabels: { 'weft.dev/inject': 'true' } },
      ],
    ]);
    for (const hook of hooks) {
      expect(hook.clientConfig).toEqual({ service: { name: 'weft-control-plane', namespace: NS, path: '/inject', port: 443 } });
      expect(hook.rules).toEqual([{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }]);
      expect([hook.failurePolicy, hook.sideEffects, hook.admissionReviewVersions, hook.timeoutSeconds]).toEqual(['Fail', 'None', ['v1'], 10]);
      expect(hook.clientConfig.caBundle).toBeUndefined();
    }
    // Weft's own pods are labelled out of both webhooks, so a labelled release namespace cannot lock the control plane out.
    expect(find(objects, 'Deployment', 'weft-control-plane').spec!.template.metadata!.labels).toMatchObject({ 'weft.dev/inject': 'false' });
    expect(find(objects, 'StatefulSet', 'weft-nats').spec!.template.metadata!.labels).toMatchObject({ 'weft.dev/inject': 'false' });
    const env = envOf(controlPlaneContainer(objects));
    expect(env).toMatchObject({ WEFT_WEBHOOK_CONFIGURATION: 'weft-sidecar-injector' });

    const ignore = await render({ injection: { failurePolicy: 'Ignore', timeoutSeconds: 3 } });
    const ignoring = find(ignore, 'MutatingWebhookConfiguration', 'weft-sidecar-injector').webhooks!;
    expect(ignoring.map((h) => [h.failurePolicy, h.timeoutSeconds])).toEqual([['Ignore', 3], ['Ignore', 3]]);

    // Without injection there is no webhook configuration, and no right to patch one.
    const off = await render({ injection: { enabled: false } });
    expect(kindNames(off).filter((n) => n.startsWith('MutatingWebhookConfiguration/'))).toEqual([]);
    expect(JSON.stringify(find(off, 'ClusterRole', 'weft-control-plane').rules)).not.toContain('mutatingwebhookconfigurations');
  });

  it('helm chart - ca.mode plugged: the control plane may only read the named Secret, no bridge', async () => {
    const objects = await render({ ca: { mode: 'plugged', plugged: { secretName: 'cacerts' } } });
    expect(ruleSet(find(objects, 'Role', 'weft-control-plane').rules!).filter((r) => r.startsWith('|secrets|'))).toEqual(['|secrets|get|cacerts']);
    expect(kindNames(objects).filter((n) => n.includes('cert-manager-bridge'))).toEqual([]);
    const env = envOf(controlPlaneContainer(objects));
    expect(env).toMatchObject({ WEFT_CA_PLUGGED_SECRET: 'cacerts', WEFT_CA_LISTEN: '0.0.0.0:15012' });
    expect(env).not.toHaveProperty('WEFT_CA_SECRET');
  });

  it('helm chart - ca.mode certManager: the bridge Deployment with the issuerRef, its RBAC, and agents sent to it', async () => {
    const issuerRef = { name: 'mesh-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' };
    const objects = await render({ ca: { mode: 'certManager', certManager: { issuerRef } } });
    const bridge = 'weft-cert-manager-bridge';
    for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']) {
      expect(kindNames(objects)).toContain(`${kind}/${bridge}`);
    }
    const deployment = find(objects, 'Deployment', bridge);
    const container = deployment.spec!.template.spec!.containers[0]!;
    expect(container.image).toBe('weft/cert-manager-bridge:0.1.0');
    expect(envOf(container)).toMatchObject({ WEFT_ISSUER_NAME: 'mesh-ca', WEFT_ISSUER_KIND: 'ClusterIssuer', WEFT_ISSUER_GROUP: 'cert-manager.io' });
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(ruleSet(find(objects, 'Role', bridge).rules!)).toEqual(
      [
        ...['create', 'delete', 'get', 'list', 'watch'].map((v) => `cert-manager.io|certificaterequests|${v}|`),
        '|configmaps|create|',
        ...['get', 'patch', 'update'].map((v) => `|configmaps|${v}|weft-trust-bundle`),
      ].sort(),
    );
    // The bridge writes the issuer's CA roots to a ConfigMap; the control plane reads only that one.
    expect(envOf(container)).toMatchObject({ WEFT_TRUST_BUNDLE_CONFIGMAP: 'weft-trust-bundle' });
    expect(ruleSet(find(objects, 'Role', 'weft-control-plane').rules!).filter((r) => r.startsWith('|configmaps|'))).toEqual(
      ['get', 'list', 'watch'].map((v) => `|configmaps|${v}|weft-trust-bundle`),
    );
    expect(ruleSet(find(objects, 'ClusterRole', bridge).rules!)).toEqual(
      ['authentication.k8s.io|tokenreviews|create|', ...TOKEN_VERIFICATION_RULES, ...['pods', 'services'].flatMap((r) => ['get', 'list', 'watch'].map((v) => `|${r}|${v}|`))].sort(),
    );
    // Agents send their CSRs to the bridge; the control plane keeps its own CA for the webhook only.
    expect(find(objects, 'Service', 'weft-control-plane').spec!.ports!.map((p) => p.name)).toEqual(['https-webhook', 'http-monitoring']);
    expect(envOf(controlPlaneContainer(objects))).toMatchObject({ WEFT_INJECT_CA_ADDRESS: `${bridge}.${NS}.svc:15012`, WEFT_CA_LISTEN: 'off', WEFT_CA_SECRET: 'weft-ca', WEFT_INJECT_CSR_MESH_NAMES: 'true', WEFT_TRUST_BUNDLE_CONFIGMAP: `${NS}/weft-trust-bundle` });

    const selfSigned = await render();
    expect(kindNames(selfSigned).filter((n) => n.includes('cert-manager-bridge'))).toEqual([]);
    expect(envOf(controlPlaneContainer(selfSigned))).toMatchObject({ WEFT_INJECT_CA_ADDRESS: `weft-control-plane.${NS}.svc:15012` });
    expect(envOf(controlPlaneContainer(selfSigned))).not.toHaveProperty('WEFT_INJECT_CSR_MESH_NAMES');
    expect(envOf(controlPlaneContainer(selfSigned))).not.toHaveProperty('WEFT_TRUST_BUNDLE_CONFIGMAP');
    expect(ruleSet(find(selfSigned, 'Role', 'weft-control-plane').rules!).filter((r) => r.startsWith('|configmaps|'))).toEqual([]);
  });

  it('helm chart - nats.url uses an existing NATS: nothing of NATS is rendered and every process dials the URL', async () => {
    const url = 'tls://nats-a.messaging:4222,tls://nats-b.messaging:4222';
    const objects = await render({ nats: { enabled: false, url, tls: { secretName: 'nats-ca' } } });
    expect(kindNames(objects).filter((n) => n.includes('nats'))).toEqual([]);
    const container = controlPlaneContainer(objects);
    // Injected agents get the URL and the CA of NATS's certificate (from the mounted Secret), and their SVID only when asked.
    expect(envOf(container)).toMatchObject({ WEFT_NATS_URL: url, NODE_EXTRA_CA_CERTS: '/etc/weft/nats-tls/ca.crt', WEFT_INJECT_NATS_URL: url, WEFT_INJECT_NATS_CA_FILE: '/etc/weft/nats-tls/ca.crt' });
    expect(envOf(container)['WEFT_INJECT_NATS_CLIENT_SVID']).toBeUndefined();
    expect(envOf(controlPlaneContainer(await render({ nats: { enabled: false, url, tls: { secretName: 'nats-ca', clientSvid: true } } })))['WEFT_INJECT_NATS_CLIENT_SVID']).toBe('true');
    expect(envOf(controlPlaneContainer(await render()))['WEFT_INJECT_NATS_CA_FILE']).toBeUndefined();
    expect(container.volumeMounts).toContainEqual({ name: 'nats-tls', mountPath: '/etc/weft/nats-tls', readOnly: true });
    expect(find(objects, 'Deployment', 'weft-control-plane').spec!.template.spec!.volumes).toContainEqual({
      name: 'nats-tls',
      secret: { secretName: 'nats-ca' },
    });
  });

  it('helm chart - bundled NATS: a JetStream StatefulSet on a claim, 3 servers form a cluster, TLS when a Secret is named', async () => {
    const objects = await render({ nats: { jetstream: { storage: { size: '5Gi', storageClassName: 'fast' } } } });
    const sts = find(objects, 'StatefulSet', 'weft-nats');
    expect(sts.spec!.replicas).toBe(1);
    expect(sts.spec!.serviceName).toBe('weft-nats-headless');
    expect(sts.spec!.volumeClaimTemplates![0]!.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '5Gi' } },
    });
    const nats = sts.spec!.template.spec!.containers[0]!;
    expect(nats.image).toBe('nats:2.15.2-alpine');
    expect(nats.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(nats.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(sts.spec!.template.spec!.securityContext?.runAsNonRoot).toBe(true);
    const conf = find(objects, 'ConfigMap', 'weft-nats').data!['nats.conf']!;
    expect(conf).toContain('max_file_store: 5Gi');
    expect(conf).not.toContain('cluster {');
    expect(conf).not.toContain('tls {');

    const three = await render({ nats: { replicas: 3, tls: { secretName: 'nats-tls' } } });
    const conf3 = find(three, 'ConfigMap', 'weft-nats').data!['nats.conf']!;
    for (const i of [0, 1, 2]) expect(conf3).toContain(`nats://weft-nats-${i}.weft-nats-headless.${NS}.svc.cluster.local:6222`);
    expect(conf3).toContain('tls {');
    expect(find(three, 'PodDisruptionBudget', 'weft-nats').spec!.maxUnavailable).toBe(1);
    expect(envOf(controlPlaneContainer(three))).toMatchObject({ WEFT_NATS_URL: `tls://weft-nats.${NS}.svc.cluster.local:4222` });
  });

  it('helm chart - the bundled NATS configuration is accepted by the real nats-server, with and without cluster and TLS', async () => {
    const certs = await generateClusterCertificates();
    const tlsDir = join(home, 'nats-tls');
    await execFileAsync('mkdir', ['-p', tlsDir]);
    writeFileSync(join(tlsDir, 'tls.crt'), certs.serving.certPem);
    writeFileSync(join(tlsDir, 'tls.key'), certs.serving.keyPem);
    writeFileSync(join(tlsDir, 'ca.crt'), certs.ca.certPem);
    for (const [i, nats] of [{}, { replicas: 3 }, { replicas: 5, tls: { secretName: 'nats-tls' } }].entries()) {
      const objects = await render({ nats });
      const conf = find(objects, 'ConfigMap', 'weft-nats').data!['nats.conf']!.replaceAll('/etc/nats/tls/', `${tlsDir}/`);
      const file = join(home, `nats-${i}.conf`);
      writeFileSync(file, conf);
      const { stdout, stderr } = await execFileAsync(serverPath('nats-server'), ['-c', file, '-t'], { env: { ...process.env, POD_NAME: 'weft-nats-0' } });
      expect(stdout + stderr).toContain('is valid');
    }
    // The check is real: a broken setting is refused by the same binary.
    const bad = join(home, 'nats-bad.conf');
    writeFileSync(bad, 'jetstream { max_file_store: lots }\n');
    await expect(execFileAsync(serverPath('nats-server'), ['-c', bad, '-t'])).rejects.toThrow();
  });

  it("helm chart - crds/ ships Weft's CRDs exactly as deploy/crds has them", () => {
    const shipped = readdirSync(join(CHART, 'crds')).sort();
    const source = readdirSync(join(REPO_ROOT, 'deploy/crds')).filter((f) => f.endsWith('.yaml')).sort();
    expect(shipped).toEqual(source);
    expect(shipped).toContain('mesh.weft.dev_meshauthorizations.yaml');
    for (const file of shipped) {
      const text = readFileSync(join(CHART, 'crds', file), 'utf8');
      expect(text, `charts/weft/crds/${file} differs from deploy/crds/${file}`).toBe(readFileSync(join(REPO_ROOT, 'deploy/crds', file), 'utf8'));
      const crd = parseManifests(text)[0] as KubeObject & { spec: { group: string } };
      expect([crd.kind, crd.spec.group]).toEqual(['CustomResourceDefinition', 'mesh.weft.dev']);
    }
  });

  it('helm chart - every environment variable the chart gives the control plane is one it reads (its config entries)', async () => {
    // config.ts spreads in the config-entries.ts of its parts (certificates, injection, leadership).
    const sources = readdirSync(join(REPO_ROOT, 'apps/control-plane/src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => /(^|\/)config(-entries)?\.ts$/.test(f))
      .map((f) => readFileSync(join(REPO_ROOT, 'apps/control-plane/src', f), 'utf8'));
    const declared = new Set(sources.flatMap((text) => [...text.matchAll(/env:\s*'([A-Z0-9_]+)'/g)].map((m) => m[1])));
    expect(declared).toContain('WEFT_NATS_URL');
    // POD_NAME is read directly for the replica's identity; NODE_EXTRA_CA_CERTS by Node itself.
    const outside = new Set(['POD_NAME', 'NODE_EXTRA_CA_CERTS']);
    const variants = [{}, { nats: { enabled: false, url: 'nats://n:4222', tls: { secretName: 's' } } }, { ca: { mode: 'plugged', plugged: { secretName: 'c' } } }];
    for (const values of variants) {
      const names = Object.keys(envOf(controlPlaneContainer(await render(values))));
      expect(names.filter((n) => !declared.has(n) && !outside.has(n))).toEqual([]);
    }
  });
});

describe('helm chart - the schema refuses bad values with a clear message', () => {
  const cases: [string, object, string][] = [
    ['nats.enabled false without nats.url', { nats: { enabled: false } }, "- at '/nats': missing property 'url'"],
    ['nats.url beside the bundled NATS', { nats: { url: 'nats://nats.example:4222' } }, "- at '/nats/enabled': value must be false"],
    ['a nats.url that is not nats:// or tls://', { nats: { enabled: false, url: 'http://nats:4222' } }, "- at '/nats/url': 'http://nats:4222' does not match pattern"],
    ['an even number of NATS servers', { nats: { replicas: 2 } }, "- at '/nats/replicas': value must be one of 1, 3, 5"],
    ['an unknown ca.mode', { ca: { mode: 'vault' } }, "- at '/ca/mode': value must be one of 'selfSigned', 'plugged', 'certManager'"],
    ['ca.mode plugged without its Secret', { ca: { mode: 'plugged' } }, "- at '/ca/plugged': missing property 'secretName'"],
    ['a plugged Secret with another mode', { ca: { plugged: { secretName: 'cacerts' } } }, "- at '/ca/mode': value must be 'plugged'"],
    ['ca.mode certManager without issuerRef', { ca: { mode: 'certManager' } }, "- at '/ca/certManager': missing property 'issuerRef'"],
    ['an issuerRef of an unknown kind', { ca: { mode: 'certManager', certManager: { issuerRef: { name: 'x', kind: 'Vault' } } } }, "- at '/ca/certManager/issuerRef/kind': value must be one of 'Issuer', 'ClusterIssuer'"],
    ['replicas "two"', { controlPlane: { replicas: 'two' } }, "- at '/controlPlane/replicas': got string, want integer"],
    ['replicas 0', { controlPlane: { replicas: 0 } }, "- at '/controlPlane/replicas': minimum: got 0, want 1"],
    ['several replicas without leader election', { controlPlane: { leaderElection: { enabled: false } } }, "- at '/controlPlane/leaderElection/enabled': value must be true"],
    ['an unknown top-level key', { natsUrl: 'nats://x:4222' }, "- at '': additional properties 'natsUrl' not allowed"],
    ['a misspelt nested key', { controlPlane: { replica: 3 } }, "- at '/controlPlane': additional properties 'replica' not allowed"],
    ['an unknown failurePolicy', { injection: { failurePolicy: 'Sometimes' } }, "- at '/injection/failurePolicy': value must be one of 'Fail', 'Ignore'"],
    ['a cluster id that is not a DNS label', { clusterId: 'Prod_EU' }, "- at '/clusterId': 'Prod_EU' does not match pattern"],
    ['a storage size that is not a quantity', { nats: { jetstream: { storage: { size: 'ten gigs' } } } }, "- at '/nats/jetstream/storage/size': 'ten gigs' does not match pattern"],
  ];
  it.each(cases)('helm chart - refuses %s', async (_what, values, message) => {
    const stderr = await refusal(values);
    expect(stderr).toContain(SCHEMA_ERROR);
    expect(stderr).toContain(message);
  });

  it('helm chart - helm lint reports the same refusal', async () => {
    const file = valuesFile(home, 'lint-bad', { ca: { mode: 'vault' } });
    const result = await runHelm(home, ['lint', CHART, '--values', file]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain("at '/ca/mode': value must be one of 'selfSigned', 'plugged', 'certManager'");
  });
});

describe('helm chart - install into a real kube-apiserver', () => {
  let cluster: Cluster;
  /** The release's objects as helm recorded them, and a file of them for `kubectl get -f`. */
  let rendered: KubeObject[];
  let manifestFile: string;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  const helm = (args: readonly string[]) => runHelm(home, [...args, '--kubeconfig', cluster.kubeconfigPath]);
  /** `kubectl get` of every object in a manifest; returns the ones the API server has. */
  const existing = async (file: string): Promise<KubeObject[]> => {
    const out = await cluster.kubectl(['get', '-f', file, '--ignore-not-found', '-o', 'json']);
    if (out.trim() === '') return [];
    const list = JSON.parse(out) as { items?: KubeObject[] } & KubeObject;
    return list.items ?? [list];
  };
  /** Whether the control plane's ServiceAccount may do each of these, by the API server's own RBAC authorizer. */
  const canI = (questions: readonly string[]) => accessReviews(cluster, `system:serviceaccount:${NS}:weft-control-plane`, questions);
  const webhooks = async (): Promise<V1MutatingWebhook[]> =>
    (JSON.parse(await cluster.kubectl(['get', 'mutatingwebhookconfiguration', 'weft-sidecar-injector', '-o', 'json'])) as V1MutatingWebhookConfiguration).webhooks!;

  it('helm chart - helm install creates every object and prints the next steps', async () => {
    const values = valuesFile(home, 'install', { injection: { timeoutSeconds: 2 }, nats: { tls: { secretName: 'weft-nats-tls' } } });
    const installed = await helm(['install', 'weft', CHART, '--namespace', NS, '--create-namespace', '--wait=false', '--values', values]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('STATUS: deployed');
    expect(installed.stdout).toContain('kubectl label namespace <your-namespace> weft.dev/inject=enabled');
    expect(installed.stdout).toContain('weftctl check');

    const manifest = await helm(['get', 'manifest', 'weft', '--namespace', NS]);
    expect(manifest.code, manifest.stderr).toBe(0);
    rendered = parseManifests(manifest.stdout);
    manifestFile = join(home, 'installed.yaml');
    writeFileSync(manifestFile, manifest.stdout);
    const stored = await existing(manifestFile);
    expect(kindNames(stored)).toEqual(kindNames(rendered));
    expect(kindNames(stored)).toContain('MutatingWebhookConfiguration/weft-sidecar-injector');
    expect(kindNames(stored)).toContain('StatefulSet/weft-nats');
    // crds/ is installed before the templates, and the API server serves the kind.
    await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=30s', 'crd/meshauthorizations.mesh.weft.dev']);
  });

  it('helm chart - the API server grants the control plane exactly what it needs and nothing around it', async () => {
    const allowed = [
      'list /pods',
      'watch discovery.k8s.io/endpointslices',
      'get /namespaces:shop',
      'get gateway.networking.k8s.io/httproutes:reviews shop',
      'update gateway.networking.k8s.io/httproutes/status:reviews shop',
      'update gateway.networking.k8s.io/grpcroutes/status:echo shop',
      'watch mesh.weft.dev/meshauthorizations',
      'update mesh.weft.dev/meshauthorizations/status:orders shop',
      'create authentication.k8s.io/tokenreviews',
      'watch /serviceaccounts',
      'update admissionregistration.k8s.io/mutatingwebhookconfigurations:weft-sidecar-injector',
      `create coordination.k8s.io/leases ${NS}`,
      `watch coordination.k8s.io/leases:weft-control-plane ${NS}`,
      `update coordination.k8s.io/leases:weft-control-plane ${NS}`,
      `create /secrets ${NS}`,
      `get /secrets:weft-ca ${NS}`,
    ];
    const denied = [
      'update gateway.networking.k8s.io/httproutes:reviews shop',
      'update mesh.weft.dev/meshauthorizations:orders shop',
      'delete /pods:web shop',
      'update /namespaces:shop',
      `list /secrets ${NS}`,
      `get /secrets:other ${NS}`,
      'get /secrets:weft-ca shop',
      'create /secrets shop',
      'update admissionregistration.k8s.io/mutatingwebhookconfigurations:someone-elses',
      'delete admissionregistration.k8s.io/mutatingwebhookconfigurations:weft-sidecar-injector',
      'create coordination.k8s.io/leases shop',
      `update coordination.k8s.io/leases:another-lease ${NS}`,
      `watch coordination.k8s.io/leases ${NS}`,
    ];
    expect(await canI([...allowed, ...denied])).toEqual(Object.fromEntries([...allowed.map((q) => [q, true]), ...denied.map((q) => [q, false])]));
  });

  it('helm chart - the real control plane runs with the rendered environment and only the chart RBAC: leads, keeps its CA, fills the caBundle, writes route and MeshAuthorization status, reaches NATS over TLS', async () => {
    // The ServiceAccount's own token, so every call the control plane makes is checked against the chart's RBAC.
    const token = (await cluster.kubectl(['create', 'token', 'weft-control-plane', '-n', NS, '--duration=1h'])).trim();
    const kubeconfig = join(home, 'control-plane.kubeconfig');
    writeFileSync(kubeconfig, serviceAccountKubeconfig(cluster.server, cluster.certificates.ca.certPem, token));
    // A GAMMA route for the status writer, in a namespace of its own.
    await cluster.kubectl(['create', 'namespace', 'shop']);
    await cluster.kubectl(['create', 'service', 'clusterip', 'reviews', '--tcp=9080:9080', '-n', 'shop']);
    await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] },
    }));
    // And one of Weft's own kinds, from the chart's crds/, whose status the control plane writes too.
    await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'mesh.weft.dev/v1alpha1',
      kind: 'MeshAuthorization',
      metadata: { name: 'reviews', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'reviews' } }, rules: [{ from: { namespaces: ['frontend'] } }] },
    }));

    // NATS over TLS, its server certificate signed by a CA of the test's own (nats.tls.secretName in the release).
    const certs = await generateClusterCertificates();
    const natsCa = join(home, 'nats-ca.crt');
    writeFileSync(natsCa, certs.ca.certPem);
    writeFileSync(join(home, 'nats-server.crt'), certs.serving.certPem);
    writeFileSync(join(home, 'nats-server.key'), certs.serving.keyPem);
    await using nats = await startNats({
      extraConfig: `tls { cert_file: ${JSON.stringify(join(home, 'nats-server.crt'))}, key_file: ${JSON.stringify(join(home, 'nats-server.key'))}, timeout: 2 }`,
    });
    const deployment = rendered.find((o) => o.kind === 'Deployment' && o.metadata.name === 'weft-control-plane') as V1Deployment;
    const container = deployment.spec!.template.spec!.containers[0]!;
    const env = containerEnv(container, { 'metadata.name': 'weft-control-plane-7d9f-x2', 'metadata.namespace': NS });
    expect(env['NODE_EXTRA_CA_CERTS']).toBe('/etc/weft/nats-tls/ca.crt');
    expect(container.volumeMounts).toContainEqual({ name: 'nats-tls', mountPath: '/etc/weft/nats-tls', readOnly: true });
    await using cp = startWeftProcess({
      name: 'control-plane',
      entry: 'apps/control-plane/src/cli.ts',
      args: [],
      env: {
        ...env,
        // Only what a laptop cannot have: the cluster's address, the test's NATS, the mounted CA's path, loopback ports.
        KUBECONFIG: kubeconfig,
        WEFT_NATS_URL: nats.url,
        NODE_EXTRA_CA_CERTS: natsCa,
        WEFT_HEALTH_HOST: '127.0.0.1',
        WEFT_HEALTH_PORT: '0',
        WEFT_CA_LISTEN: '127.0.0.1:0',
        WEFT_WEBHOOK_LISTEN: '127.0.0.1:0',
      },
    });
    const seen = (msg: string) => cp.waitForLine(msg, (l) => l['msg'] === msg, 30_000);
    await seen('started leading: publishing and writing route status');
    await seen('certificate service listening');
    // Local token verification reads the issuer's keys with the chart's nonResourceURLs rule.
    await seen('ServiceAccount issuer keys loaded');
    await seen('injection webhook listening');
    await seen('wrote the CA bundle into the webhook configuration');
    await seen('mesh pushed');

    const lease = JSON.parse(await cluster.kubectl(['get', 'lease', 'weft-control-plane', '-n', NS, '-o', 'json'])) as { spec: { holderIdentity?: string } };
    expect(lease.spec.holderIdentity).toBe('weft-control-plane-7d9f-x2');
    const caSecret = JSON.parse(await cluster.kubectl(['get', 'secret', 'weft-ca', '-n', NS, '-o', 'json'])) as { data: Record<string, string> };
    const root = Buffer.from(caSecret.data['root-cert.pem']!, 'base64').toString();
    expect(root).toContain('BEGIN CERTIFICATE');
    for (const hook of await webhooks()) expect(Buffer.from(hook.clientConfig.caBundle ?? '', 'base64').toString()).toContain(root.trim());
    const status = await waitFor('route status written by the control plane', async () => {
      const route = JSON.parse(await cluster.kubectl(['get', 'httproute', 'reviews', '-n', 'shop', '-o', 'json'])) as {
        status?: { parents?: { controllerName: string; conditions: { type: string; status: string }[] }[] };
      };
      return route.status?.parents?.find((p) => p.controllerName === 'weft.dev/mesh-controller');
    }, { timeoutMs: 20_000 });
    expect(status.conditions.find((c) => c.type === 'Accepted')?.status).toBe('True');
    const accepted = await waitFor('MeshAuthorization status written by the control plane', async () => {
      const policy = JSON.parse(await cluster.kubectl(['get', 'meshauthorization', 'reviews', '-n', 'shop', '-o', 'json'])) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return policy.status?.conditions?.find((c) => c.type === 'Accepted');
    }, { timeoutMs: 20_000 });
    expect(accepted.status).toBe('True');

    await cp.stop();
    // Nothing it did was refused: no Forbidden anywhere in its log.
    expect(cp.lines.filter((l) => /forbidden/i.test(JSON.stringify(l)))).toEqual([]);
    expect(cp.lines.filter((l) => typeof l['level'] === 'number' && l['level'] >= 50)).toEqual([]);
  });

  it('helm chart - the API server applies the webhooks: labelled namespaces and opted-in pods go to the control plane, Weft and opted-out pods do not', async () => {
    // No control plane serves the Service here (no scheduler), so with failurePolicy Fail a pod that would be
    // injected is refused, and only such a pod.
    const pod = (name: string, ns: string, labels: Record<string, string> = {}): string =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'app', image: 'app:1' }] } });
    for (const ns of ['meshed', 'plain']) {
      await cluster.kubectl(['create', 'namespace', ns]);
      // No controller-manager makes the default ServiceAccount, and pods need one.
      await cluster.kubectl(['create', 'serviceaccount', 'default', '-n', ns]);
    }
    await cluster.kubectl(['label', 'namespace', 'meshed', 'weft.dev/inject=enabled']);
    await expect(cluster.kubectl(['create', '-f', '-'], pod('web', 'meshed'))).rejects.toThrow(/failed calling webhook "namespace\.sidecar-injector\.weft\.dev"/);
    await expect(cluster.kubectl(['create', '-f', '-'], pod('opted-in', 'plain', { 'weft.dev/inject': 'true' }))).rejects.toThrow(
      /failed calling webhook "object\.sidecar-injector\.weft\.dev"/,
    );
    await cluster.kubectl(['create', '-f', '-'], pod('web', 'plain'));
    await cluster.kubectl(['create', '-f', '-'], pod('batch', 'meshed', { 'weft.dev/inject': 'false' }));
    // The control plane's own pod template goes through even in a labelled namespace.
    const template = (rendered.find((o) => o.kind === 'Deployment' && o.metadata.name === 'weft-control-plane') as V1Deployment).spec!.template;
    await cluster.kubectl(['create', 'serviceaccount', 'weft-control-plane', '-n', 'meshed']);
    await cluster.kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { labels: template.metadata?.labels, name: 'control-plane', namespace: 'meshed' }, spec: template.spec }));
    const pods = (await cluster.kubectl(['get', 'pods', '-n', 'meshed', '-o', 'name'])) + (await cluster.kubectl(['get', 'pods', '-n', 'plain', '-o', 'name']));
    expect(pods.split('\n').filter(Boolean).sort()).toEqual(['pod/batch', 'pod/control-plane', 'pod/web']);
  });

  it('helm chart - helm upgrade changes what the chart sets and keeps the caBundle the control plane wrote', async () => {
    const before = await webhooks();
    expect(before.map((h) => h.clientConfig.caBundle ?? '').every((b) => b.length > 0)).toBe(true);
    const upgraded = await helm(['upgrade', 'weft', CHART, '--namespace', NS, '--wait=false', '--reuse-values', '--set', 'injection.failurePolicy=Ignore']);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    const after = await webhooks();
    expect(after.map((h) => [h.failurePolicy, h.clientConfig.caBundle])).toEqual(before.map((h) => ['Ignore', h.clientConfig.caBundle]));
  });

  it('helm chart - helm uninstall removes every object of the release', async () => {
    const uninstalled = await helm(['uninstall', 'weft', '--namespace', NS]);
    expect(uninstalled.code, uninstalled.stderr).toBe(0);
    await waitFor('every object of the release deleted', async () => (await existing(manifestFile)).length === 0, { timeoutMs: 30_000 });
    // The webhook went with it: a pod of the labelled namespace is admitted again.
    await cluster.kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'meshed' }, spec: { containers: [{ name: 'app', image: 'app:1' }] } }));
  });

  it('helm chart - the other modes install too: cert-manager bridge, an existing NATS over TLS, a second release beside the first', async () => {
    const values = valuesFile(home, 'install-alt', {
      controlPlane: { replicas: 1 },
      ca: { mode: 'certManager', certManager: { issuerRef: { name: 'mesh-ca', kind: 'ClusterIssuer' } } },
      nats: { enabled: false, url: 'tls://nats.messaging:4222', tls: { secretName: 'nats-ca' } },
    });
    const installed = await helm(['install', 'edge', CHART, '--namespace', 'weft-edge', '--create-namespace', '--wait=false', '--values', values]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('through edge-weft-cert-manager-bridge (ClusterIssuer mesh-ca)');
    const manifest = await helm(['get', 'manifest', 'edge', '--namespace', 'weft-edge']);
    const edgeFile = join(home, 'installed-edge.yaml');
    writeFileSync(edgeFile, manifest.stdout);
    const stored = await existing(edgeFile);
    expect(kindNames(stored)).toEqual(kindNames(parseManifests(manifest.stdout)));
    expect(kindNames(stored)).toContain('Deployment/edge-weft-cert-manager-bridge');
    expect(kindNames(stored).filter((n) => n.includes('nats'))).toEqual([]);
    const deployment = stored.find((o) => o.kind === 'Deployment' && o.metadata.name === 'edge-weft-control-plane') as V1Deployment | undefined;
    expect(deployment?.spec?.replicas).toBe(1);

    const uninstalled = await helm(['uninstall', 'edge', '--namespace', 'weft-edge']);
    expect(uninstalled.code, uninstalled.stderr).toBe(0);
    await waitFor('every object of the edge release deleted', async () => (await existing(edgeFile)).length === 0, { timeoutMs: 30_000 });
  });
});
