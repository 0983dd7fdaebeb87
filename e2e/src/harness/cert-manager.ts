import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from './cluster.js';
import { startServerProcess } from './process.js';
import type { ServerProcess } from './process.js';
import { serverPath } from './servers.js';
import { makeTempDir, removeTempDir } from './tempdir.js';
import { waitFor } from './wait.js';

/** cert-manager's real control loops running against a harness cluster. */
export interface CertManager extends AsyncDisposable {
  readonly controller: ServerProcess;
  /** `--version` of the binary, e.g. `cert-manager-controller v1.21.2 (…)`. */
  readonly version: string;
  stop(): Promise<void>;
}

export interface StartCertManagerOptions {
  /** Where ClusterIssuers keep their Secrets: `cert-manager`. */
  readonly clusterResourceNamespace?: string;
}

/**
 * Installs cert-manager's CRDs (deploy/crds of the pinned module) into the cluster and runs its controller
 * (scripts/servers/cert-manager: the issuers, approver, CA and SelfSigned loops) with the cluster's admin kubeconfig,
 * without leader election or webhook. Resolves once every loop has started.
 */
export async function startCertManager(cluster: Cluster, options: StartCertManagerOptions = {}): Promise<CertManager> {
  const bin = serverPath('cert-manager');
  const crds = serverPath('cert-manager-crds');
  const files = readdirSync(crds).filter((f) => f.endsWith('.yaml')).sort();
  await cluster.kubectl(['apply', '--server-side', '--force-conflicts', ...files.flatMap((f) => ['-f', join(crds, f)])]);
  await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', 'certificaterequests.cert-manager.io', 'issuers.cert-manager.io', 'clusterissuers.cert-manager.io']);
  const dir = makeTempDir('cert-manager');
  const controller = startServerProcess({
    name: 'cert-manager-controller',
    bin,
    args: ['--kubeconfig', cluster.kubeconfigPath, '--leader-elect=false', '--cluster-resource-namespace', options.clusterResourceNamespace ?? 'cert-manager'],
    logFile: join(dir, 'controller.log'),
  });
  const stop = async (): Promise<void> => {
    await controller.stop();
    removeTempDir(dir);
  };
  try {
    const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
    await waitFor('cert-manager-controller to start its control loops', () => (controller.logTail(200).match(/starting controller/g)?.length ?? 0) >= 5, {
      timeoutMs: 30_000,
      check: () => {
        controller.assertRunning();
      },
    });
    return { controller, version, stop, [Symbol.asyncDispose]: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
