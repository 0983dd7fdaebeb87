import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Paths of the real servers the harness runs, as provided by scripts/servers/install.sh. */
export interface ServerPaths {
  readonly kubeApiserver: string;
  readonly kubectl: string;
  readonly etcd: string;
  readonly etcdctl: string;
  readonly natsServer: string;
  readonly helm: string;
  /** Folder with `standard/` and `experimental/` Gateway API CRD YAML files. */
  readonly gatewayApiCrds: string;
}

export class ServerInstallError extends Error {
  override readonly name = 'ServerInstallError';
}

const installScript = fileURLToPath(new URL('../../../scripts/servers/install.sh', import.meta.url));
let cached: ServerPaths | undefined;

/**
 * Builds (first time) or finds (cached by version) every real server and returns their paths.
 * A failure names the tool, the step and the fix, as install.sh prints them; nothing is ever skipped.
 */
export function serverPaths(): ServerPaths {
  if (cached) return cached;
  let out: string;
  try {
    out = execFileSync('bash', [installScript], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (err) {
    throw new ServerInstallError(
      `scripts/servers/install.sh failed (its message above names the tool, the step and the fix)`,
      { cause: err },
    );
  }
  const found = new Map<string, string>();
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) found.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const get = (name: string): string => {
    const path = found.get(name);
    if (path === undefined) throw new ServerInstallError(`scripts/servers/install.sh did not report a path for ${name}`);
    return path;
  };
  cached = {
    kubeApiserver: get('kube-apiserver'),
    kubectl: get('kubectl'),
    etcd: get('etcd'),
    etcdctl: get('etcdctl'),
    natsServer: get('nats-server'),
    helm: get('helm'),
    gatewayApiCrds: get('gateway-api'),
  };
  return cached;
}
