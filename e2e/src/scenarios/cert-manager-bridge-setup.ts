import { startWeftProcess, waitFor } from '../harness/index.js';
import type { Cluster, WeftProcess } from '../harness/index.js';
import type { OpensslDir } from './certificate-client.js';

// Helpers of the cert-manager-bridge scenarios: cert-manager's CA Issuer over an openssl-made intermediate, and the
// bridge (apps/cert-manager-bridge) as a child process signing through it.

export const BRIDGE_NS = 'weft-system';
/** The bridge's name in its serving certificate (its Service in BRIDGE_NS). */
export const BRIDGE_NAME = 'weft-cert-manager-bridge.weft-system.svc';
/** The label selector of the CertificateRequests the bridge makes. */
export const BRIDGE_MANAGED = 'app.kubernetes.io/managed-by=weft-cert-manager-bridge';
export const ISSUER_NAME = 'mesh-ca';
export const CA_ISSUER_SPEC = { ca: { secretName: 'mesh-ca' } };

export async function applyIssuer(cluster: Cluster, spec: unknown): Promise<void> {
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: ISSUER_NAME, namespace: BRIDGE_NS }, spec }));
}

export async function issuerReady(cluster: Cluster): Promise<boolean> {
  const issuer = JSON.parse(await cluster.kubectl(['get', 'issuer', ISSUER_NAME, '-n', BRIDGE_NS, '-o', 'json'])) as { status?: { conditions?: { type: string; status: string }[] } };
  return issuer.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The bridge's CertificateRequests still in the API (`certificaterequest.cert-manager.io/<name>`). */
export async function bridgeRequests(cluster: Cluster): Promise<string[]> {
  const out = await cluster.kubectl(['get', 'certificaterequests', '-n', BRIDGE_NS, '-l', BRIDGE_MANAGED, '-o', 'name']);
  return out.split('\n').filter((line) => line !== '');
}

/** The issuer's CA as openssl made it: the root (the mesh's trust bundle) and the intermediate cert-manager signs with. */
export interface MeshIssuerCa {
  readonly rootPem: string;
  readonly intermediatePem: string;
}

/**
 * Namespace BRIDGE_NS with the CA Issuer `mesh-ca` Ready: its Secret holds an openssl intermediate (tls.crt =
 * intermediate + root, ca.crt = root). Writes `root.pem` into `ssl` for openssl checks.
 */
export async function createMeshIssuer(cluster: Cluster, ssl: OpensslDir): Promise<MeshIssuerCa> {
  await cluster.kubectl(['create', 'namespace', BRIDGE_NS]);
  const ca = await ssl.intermediateCa('mesh');
  const rootPem = ca['root-cert.pem'];
  await ssl.write('root.pem', rootPem);
  await cluster.kubectl(['create', 'secret', 'tls', 'mesh-ca', '-n', BRIDGE_NS, `--cert=${ssl.path}/mesh-ca.crt`, `--key=${ssl.path}/mesh-ca.key`]);
  await cluster.kubectl(['patch', 'secret', 'mesh-ca', '-n', BRIDGE_NS, '--type=merge', '-p', JSON.stringify({ data: { 'tls.crt': Buffer.from(ca['cert-chain.pem']).toString('base64'), 'ca.crt': Buffer.from(rootPem).toString('base64') } })]);
  await applyIssuer(cluster, CA_ISSUER_SPEC);
  await waitFor('the CA Issuer to be Ready (cert-manager’s issuers loop)', () => issuerReady(cluster), { timeoutMs: 30_000, intervalMs: 200 });
  return { rootPem, intermediatePem: ca['ca.crt'] };
}

/** A running bridge: its gRPC port on 127.0.0.1 and its health server's URL. */
export interface BridgeProcess {
  readonly process: WeftProcess;
  readonly port: number;
  readonly health: string;
}

/** Starts apps/cert-manager-bridge against `cluster`, signing through Issuer `mesh-ca`, and waits until it listens. */
export async function startBridge(cluster: Cluster): Promise<BridgeProcess> {
  const bridge = startWeftProcess({
    name: 'cert-manager-bridge',
    entry: 'apps/cert-manager-bridge/src/cli.ts',
    args: ['--kubeconfig', cluster.kubeconfigPath, '--ca-listen', '127.0.0.1:0', '--health-host', '127.0.0.1', '--health-port', '0', '--issuer-name', ISSUER_NAME, '--issue-timeout', '8s', '--ca-burst', '20'],
    env: { POD_NAMESPACE: BRIDGE_NS, WEFT_LOG_LEVEL: 'info' },
  });
  try {
    const listening = await bridge.waitForLine('the bridge listening', (l) => l['msg'] === 'cert-manager bridge listening', 90_000);
    const health = (await bridge.waitForLine('the health server', (l) => l['msg'] === 'listening' && typeof l['health'] === 'string'))['health'] as string;
    return { process: bridge, port: listening['port'] as number, health };
  } catch (err) {
    await bridge.kill();
    throw err;
  }
}
