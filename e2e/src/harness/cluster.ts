import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { generateClusterCertificates } from './certs.js';
import type { ClusterCertificates } from './certs.js';
import { startEtcd } from './etcd.js';
import type { EtcdServer } from './etcd.js';
import { freePort } from './ports.js';
import { startServerProcess } from './process.js';
import type { ServerProcess } from './process.js';
import { serverPath } from './servers.js';
import { makeTempDir, removeTempDir } from './tempdir.js';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

/** Issuer and default audience of ServiceAccount tokens, as a real cluster has them. */
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface StartClusterOptions {
  /** Which Gateway API CRDs to install: the standard channel (default), the experimental one, or none. */
  readonly gatewayApi?: 'standard' | 'experimental' | 'none';
  /** Extra kube-apiserver flags, e.g. `--admission-control-config-file=…`. */
  readonly apiserverArgs?: readonly string[];
  readonly timeoutMs?: number;
}

/**
 * A real kube-apiserver backed by a real etcd, on loopback, with RBAC and a ServiceAccount token issuer.
 * No controller-manager runs: tests create their own ServiceAccounts, Pods and EndpointSlices.
 */
export interface Cluster extends AsyncDisposable {
  /** `https://127.0.0.1:PORT` */
  readonly server: string;
  /** A kubeconfig file with cluster-admin (a `system:masters` client certificate). */
  readonly kubeconfigPath: string;
  /** The same kubeconfig, loaded; `kubeConfig.makeApiClient(...)` gives typed clients. */
  readonly kubeConfig: KubeConfig;
  readonly certificates: ClusterCertificates;
  readonly etcd: EtcdServer;
  readonly apiserverPid: number;
  /** The temp folder holding its config, data and logs; removed by stop(). */
  readonly tempDir: string;
  /** Runs the pinned kubectl against this cluster and returns its stdout. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

function getWithClientCert(url: string, certs: ClusterCertificates): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: certs.ca.certPem, cert: certs.admin.certPem, key: certs.admin.keyPem, timeout: 5_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function kubeconfigText(server: string, certs: ClusterCertificates): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'weft-e2e', cluster: { server, 'certificate-authority-data': b64(certs.ca.certPem) } }],
      users: [
        {
          name: 'weft-e2e-admin',
          user: { 'client-certificate-data': b64(certs.admin.certPem), 'client-key-data': b64(certs.admin.keyPem) },
        },
      ],
      contexts: [{ name: 'weft-e2e', context: { cluster: 'weft-e2e', user: 'weft-e2e-admin' } }],
      'current-context': 'weft-e2e',
    },
    null,
    2,
  );
}

export async function startCluster(options: StartClusterOptions = {}): Promise<Cluster> {
  const paths = { kubeApiserver: serverPath('kube-apiserver'), kubectl: serverPath('kubectl'), gatewayApiCrds: serverPath('gateway-api') };
  const timeoutMs = options.timeoutMs ?? 60_000;
  const dir = makeTempDir('cluster');
  let etcd: EtcdServer | undefined;
  let apiserver: ServerProcess | undefined;
  const stop = async (): Promise<void> => {
    // The API server first (it holds etcd connections), then etcd, then the files.
    await apiserver?.stop();
    await etcd?.stop();
    removeTempDir(dir);
  };
  try {
    const certs = await generateClusterCertificates();
    const file = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text, { mode: 0o600 });
      return path;
    };
    const caFile = file('ca.crt', certs.ca.certPem);
    const servingCert = file('apiserver.crt', certs.serving.certPem);
    const servingKey = file('apiserver.key', certs.serving.keyPem);
    const saKey = file('sa.key', certs.serviceAccountKeyPem);
    const saPub = file('sa.pub', certs.serviceAccountPublicPem);

    etcd = await startEtcd({ timeoutMs });
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    apiserver = startServerProcess({
      name: 'kube-apiserver',
      bin: paths.kubeApiserver,
      logFile: join(dir, 'kube-apiserver.log'),
      args: [
        `--etcd-servers=${etcd.endpoint}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        '--advertise-address=127.0.0.1',
        // The loopback advertise address is fatal unless the endpoint reconciler is off.
        '--endpoint-reconciler-type=none',
        `--tls-cert-file=${servingCert}`,
        `--tls-private-key-file=${servingKey}`,
        `--client-ca-file=${caFile}`,
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        `--api-audiences=${SERVICE_ACCOUNT_ISSUER}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.96.0.0/16',
        `--cert-dir=${join(dir, 'cert-dir')}`,
        '--allow-privileged=true',
        '--profiling=false',
        ...(options.apiserverArgs ?? []),
      ],
    });
    const proc = apiserver;
    await waitFor(
      'kube-apiserver /readyz',
      async () => (await getWithClientCert(`${server}/readyz`, certs)).status === 200,
      { timeoutMs, intervalMs: 100, check: () => { proc.assertRunning(); } },
    );
    const kubeconfigPath = file('kubeconfig', kubeconfigText(server, certs));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    const kubectl = async (args: readonly string[], input?: string): Promise<string> => {
      const child = execFileAsync(paths.kubectl, ['--kubeconfig', kubeconfigPath, ...args], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (input !== undefined) {
        child.child.stdin?.end(input);
      }
      return (await child).stdout;
    };

    const channel = options.gatewayApi ?? 'standard';
    if (channel !== 'none') {
      const crdDir = join(paths.gatewayApiCrds, channel);
      const files = readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort();
      await kubectl(['apply', '--server-side', '--force-conflicts', ...files.flatMap((f) => ['-f', join(crdDir, f)])]);
      await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
    }

    const cluster: Cluster = {
      server,
      kubeconfigPath,
      kubeConfig,
      certificates: certs,
      etcd,
      apiserverPid: proc.pid,
      tempDir: dir,
      kubectl,
      stop,
      [Symbol.asyncDispose]: stop,
    };
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}
