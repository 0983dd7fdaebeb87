import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorldState } from '@weft/k8s';
import { MESH_SSL_IDS, MESH_TLS_LABEL } from '@weft/model';
import type { ApisixSsl } from '@weft/model';
import type { SnapshotContent } from '@weft/snapshot';
import { mkResources } from '@weft/snapshot/testing';
import { translate } from '@weft/translate';
import { startCertManager, startCluster, waitFor, WaitTimeoutError } from '../harness/index.js';
import type { CertManager, Cluster } from '../harness/index.js';
import { startAgent } from './agent-process.js';
import type { AgentProcess } from './agent-process.js';
import { BRIDGE_NAME, bridgeRequests, createMeshIssuer, startBridge } from './cert-manager-bridge-setup.js';
import type { BridgeProcess } from './cert-manager-bridge-setup.js';
import { OpensslDir } from './certificate-client.js';

// The real weft-agent (its sources, as a child process) gets its SVID from the real cert-manager bridge, which signs
// through cert-manager's own controller (a CA Issuer over an openssl intermediate). The agent runs offline
// (--snapshot FILE): it first serves an empty snapshot, so its first CSR asks for no DNS name; then the file gets the
// pod's scope as libs/translate cuts it from the objects in the API server, whose meshed upstream for Service
// `reviews` points at this pod's IP (POD_IPS), so --csr-mesh-names makes it renew early asking for the mesh name,
// which the bridge grants because the Service selects the pod its token is bound to.

const NS = 'shop';
const SA = 'reviews';
const POD = 'reviews-v1';
const POD_IP = '10.244.1.7';
const SPIFFE_ID = `spiffe://cluster.local/ns/${NS}/sa/${SA}`;
// The container port (targetPort `http` → 9080), not the Service port 80: docs/mesh-mtls.md.
const MESH_NAME = `9080.reviews.${NS}.svc.cluster.local`;

let cluster: Cluster;
let certManager: CertManager;
let bridge: BridgeProcess;
let ssl: OpensslDir;
let dir: string;
let rootPem: string;
let intermediatePem: string;

/** The pod, its Service and the EndpointSlice an endpoint controller would write (this cluster runs none). */
function workloadObjects(): unknown[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: NS } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      // The injector's label: the bridge grants names to meshed pods only, and translate meshes their Services.
      metadata: { name: POD, namespace: NS, labels: { app: 'reviews', [MESH_TLS_LABEL]: 'weft' } },
      spec: { serviceAccountName: SA, automountServiceAccountToken: false, containers: [{ name: 'app', image: 'registry.invalid/reviews:1', ports: [{ name: 'http', containerPort: 9080 }] }] },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: NS }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'reviews-x7k2p', namespace: NS, labels: { 'kubernetes.io/service-name': 'reviews' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [POD_IP], conditions: { ready: true }, targetRef: { kind: 'Pod', name: POD, namespace: NS } }],
      ports: [{ name: 'http', port: 9080, protocol: 'TCP' }],
    },
  ];
}

/** The pod's scope as the control plane would publish it: translate over the objects the API server holds. */
async function podScopeContent(): Promise<SnapshotContent> {
  const list = (args: string[]): Promise<{ items: unknown[] }> => cluster.kubectl([...args, '-o', 'json']).then((out) => JSON.parse(out) as { items: unknown[] });
  const objects = [
    JSON.parse(await cluster.kubectl(['get', 'namespace', NS, '-o', 'json'])) as unknown,
    ...(await list(['get', 'pods,services,endpointslices', '-n', NS])).items,
  ];
  const { world } = buildWorldState(objects, { clusterDomain: 'cluster.local' });
  const config = translate(world);
  const scope = config.workloads[`${NS}/${POD}`];
  if (scope === undefined) throw new Error(`translate placed no scope for ${NS}/${POD}: ${JSON.stringify(config.diagnostics)}`);
  return { resources: config.scopes[scope]!, trustBundle: [rootPem] };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** One agent ssl object as APISIX reads it from the agent's etcd v3 API; undefined when absent. */
async function etcdSsl(agent: AgentProcess, id: string): Promise<ApisixSsl | undefined> {
  const res = await fetch(`${agent.etcd!}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(`/apisix/ssls/${id}`) }) });
  if (!res.ok) throw new Error(`range answered ${res.status}`);
  const kv = ((await res.json()) as { kvs?: { value: string }[] }).kvs?.[0];
  return kv === undefined ? undefined : (JSON.parse(Buffer.from(kv.value, 'base64').toString('utf8')) as ApisixSsl);
}

interface AgentDebugState {
  readonly served: { readonly version: string } | null;
  readonly identity: { readonly serialNumber: string | null; readonly failures: number; readonly lastError: string | null } | null;
  readonly meshTls: { readonly serial: string | null; readonly snis: readonly string[]; readonly missing: readonly string[]; readonly renewals: number };
}

async function debugState(agent: AgentProcess): Promise<AgentDebugState> {
  return (await (await fetch(`${agent.health}/debug/state`)).json()) as AgentDebugState;
}

/** Waits on the agent's state; a timeout names what was awaited and shows the state the agent was stuck in. */
async function waitForAgent(agent: AgentProcess, what: string, accept: (state: AgentDebugState) => boolean, timeoutMs: number): Promise<AgentDebugState> {
  try {
    return await waitFor(what, async () => {
      const state = await debugState(agent);
      return accept(state) ? state : undefined;
    }, { timeoutMs, intervalMs: 100 });
  } catch (err) {
    if (!(err instanceof WaitTimeoutError)) throw err;
    const state = await debugState(agent).catch((e: unknown) => ({ unreadable: (e as Error).message }));
    const denials = bridge.process.lines.filter((l) => l['audit'] === 'denied').map((l) => `${String(l['reason'])}: ${String(l['msg'])}`);
    throw new Error(`${err.message}\n  agent /debug/state: ${JSON.stringify(state)}\n  bridge denials: ${JSON.stringify(denials)}`, { cause: err });
  }
}

/** The leaf of an ssl object's chain, checked by openssl against the issuer's root (the intermediate untrusted). */
async function verifiedLeaf(name: string, chainPem: string): Promise<{ readonly leaf: X509Certificate; readonly sans: string }> {
  const certs = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
  expect(certs.length).toBeGreaterThanOrEqual(2);
  await ssl.write(`${name}.pem`, certs[0]!);
  await ssl.write(`${name}-chain.pem`, certs.slice(1).join(''));
  expect((await ssl.ok(['verify', '-CAfile', 'root.pem', '-untrusted', `${name}-chain.pem`, `${name}.pem`])).trim()).toBe(`${name}.pem: OK`);
  const sans = await ssl.ok(['x509', '-in', `${name}.pem`, '-noout', '-ext', 'subjectAltName']);
  return { leaf: new X509Certificate(certs[0]!), sans };
}

beforeAll(async () => {
  [cluster, ssl] = await Promise.all([startCluster({ gatewayApi: 'none' }), OpensslDir.create()]);
  dir = mkdtempSync(join(tmpdir(), 'weft-e2e-agent-bridge-'));
  certManager = await startCertManager(cluster);
  ({ rootPem, intermediatePem } = await createMeshIssuer(cluster, ssl));
  await cluster.kubectl(['create', 'namespace', NS]);
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: workloadObjects() }));
  // No kubelet: the pod stays Pending; its IP is what a kubelet would report, written through the status subresource.
  await cluster.kubectl(['patch', 'pod', POD, '-n', NS, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { podIP: POD_IP, podIPs: [{ ip: POD_IP }] } })]);
  bridge = await startBridge(cluster);
}, 240_000);

afterAll(async () => {
  await bridge.process.stop();
  await certManager.stop();
  await Promise.all([cluster.stop(), ssl.remove()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('agent with the cert-manager bridge', () => {
  it('agent - gets its SVID through the cert-manager bridge, then renews early with the mesh names its snapshot demands', async () => {
    // The projected token the injector mounts: bound to the pod, audience weft.
    const token = await cluster.kubectl(['create', 'token', SA, '-n', NS, '--audience=weft', '--duration=1h', '--bound-object-kind=Pod', `--bound-object-name=${POD}`]);
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, token.trim(), { mode: 0o600 });
    const rootFile = join(dir, 'ca-root.pem');
    writeFileSync(rootFile, rootPem);
    // No snapshot yet demands a name: an empty scope with the mesh's trust bundle.
    const snapshotFile = join(dir, 'snapshot.json');
    writeFileSync(snapshotFile, JSON.stringify({ resources: mkResources(), trustBundle: [rootPem] }));

    await using agent = await startAgent({
      natsUrl: 'nats://127.0.0.1:1', // unused: offline
      namespace: NS,
      pod: POD,
      env: { POD_IPS: POD_IP },
      extraArgs: [
        '--snapshot', snapshotFile,
        '--service-account', SA,
        '--ca-address', `127.0.0.1:${String(bridge.port)}`,
        '--ca-root-file', rootFile,
        '--ca-server-name', BRIDGE_NAME,
        '--token-file', tokenFile,
        '--csr-mesh-names',
        '--trust-bundle-file', join(dir, 'trust-bundle.pem'),
      ],
    });

    // 1. The first SVID: the URI SAN only, signed by cert-manager's issuer.
    const first = await waitForAgent(agent, 'the first SVID in the agent', (s) => s.meshTls.serial !== null && s.served !== null, 30_000);
    expect(first.meshTls).toMatchObject({ snis: [], missing: [], renewals: 0 });
    const firstOutbound = await waitFor('the first SVID as weft-outbound in the etcd store', () => etcdSsl(agent, MESH_SSL_IDS.outbound), { timeoutMs: 10_000 });
    const firstCert = await verifiedLeaf('first', firstOutbound.cert);
    expect(firstCert.leaf.subjectAltName).toBe(`URI:${SPIFFE_ID}`);
    expect(firstCert.leaf.serialNumber).toBe(first.meshTls.serial);
    expect(new X509Certificate(firstOutbound.cert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)![1]!).fingerprint256).toBe(new X509Certificate(intermediatePem).fingerprint256);
    // Without a mesh name no peer could verify the pod: no inbound certificate.
    expect(await etcdSsl(agent, MESH_SSL_IDS.inbound)).toBeUndefined();

    // 2. The pod's scope: Service reviews' meshed upstream has its endpoint at this pod's IP.
    const scope = await podScopeContent();
    const upstream = scope.resources.upstreams.find((u) => u.upstream_host === MESH_NAME);
    expect(upstream?.nodes.map((n) => n.host)).toEqual([POD_IP]);
    writeFileSync(snapshotFile, JSON.stringify(scope));

    // 3. The early renewal: a new SVID carrying the mesh name, asked for by the agent (with --csr-mesh-names) and
    // granted by the bridge because Service reviews selects the pod the token is bound to.
    const renewed = await waitForAgent(
      agent,
      `the agent to renew early with DNS:${MESH_NAME} (did its CSR ask for the names the snapshot demands?)`,
      (s) => s.meshTls.snis.includes(MESH_NAME) && s.meshTls.missing.length === 0,
      30_000,
    );
    expect(renewed.meshTls.serial).not.toBe(first.meshTls.serial);
    // Early: the renewal was asked for because of the missing name (the counter resets once nothing is missing).
    expect(agent.logs.some((l) => l['msg'] === 'the SVID lacks mesh names the snapshot shows; asking for a new certificate now' && JSON.stringify(l['missing']).includes(MESH_NAME))).toBe(true);
    const inbound = await waitFor('the renewed SVID as weft-inbound in the etcd store', async () => {
      const found = await etcdSsl(agent, MESH_SSL_IDS.inbound);
      return found !== undefined && new X509Certificate(found.cert).serialNumber === renewed.meshTls.serial ? found : undefined;
    }, { timeoutMs: 10_000 });
    expect(inbound.snis).toEqual([MESH_NAME]);
    const renewedCert = await verifiedLeaf('renewed', inbound.cert);
    expect(renewedCert.sans).toContain(`DNS:${MESH_NAME}`);
    expect(renewedCert.sans).toContain(`URI:${SPIFFE_ID}`);
    expect(renewedCert.leaf.subjectAltName?.split(', ').sort()).toEqual([`DNS:${MESH_NAME}`, `URI:${SPIFFE_ID}`]);
    const outbound = await etcdSsl(agent, MESH_SSL_IDS.outbound);
    expect(new X509Certificate(outbound!.cert).serialNumber).toBe(renewed.meshTls.serial);

    // 4. cert-manager signed each: one CertificateRequest of the bridge per issuance, each deleted once answered.
    const issued = bridge.process.lines.filter((l) => l['audit'] === 'issued' && l['identity'] === SPIFFE_ID);
    expect(issued.map((l) => l['serial'])).toEqual([firstCert.leaf.serialNumber, renewedCert.leaf.serialNumber]);
    const requests = issued.map((l) => l['certificateRequest']);
    for (const name of requests) expect(name).toMatch(/^weft-svid-[0-9a-f]{16}$/);
    expect(new Set(requests).size).toBe(2);
    expect(issued[0]!['dnsNames'] ?? []).toEqual([]);
    expect(issued[1]!['dnsNames']).toEqual([MESH_NAME]);
    await waitFor('the bridge’s CertificateRequests to be gone', async () => (await bridgeRequests(cluster)).length === 0, { timeoutMs: 10_000, intervalMs: 100 });
    expect(bridge.process.lines.filter((l) => l['audit'] === 'denied')).toEqual([]);
    expect(certManager.controller.logTail(400)).toMatch(/certificaterequests-issuer-ca/);
  });
});
