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
  /** cert-manager's controller (scripts/servers/cert-manager) and the folder of its CRDs. */
  readonly certManager: string;
  readonly certManagerCrds: string;
}

export class ServerInstallError extends Error {
  override readonly name = 'ServerInstallError';
}

const installScript = fileURLToPath(new URL('../../../scripts/servers/install.sh', import.meta.url));
const found = new Map<string, string>();

/** Tools install.sh knows, by the name it prints. */
export type ServerTool = 'kube-apiserver' | 'kubectl' | 'etcd' | 'etcdctl' | 'nats-server' | 'helm' | 'gateway-api' | 'cert-manager' | 'cert-manager-crds';

/** Tools install.sh provides together with another (it prints both paths). */
const PROVIDED_BY: Partial<Record<ServerTool, ServerTool>> = { 'cert-manager-crds': 'cert-manager' };

/** Runs install.sh for these tools (building them the first time, cached by version) and records their paths. */
function install(tools: readonly ServerTool[]): void {
  let out: string;
  try {
    out = execFileSync('bash', [installScript, ...tools], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (err) {
    throw new ServerInstallError(
      `scripts/servers/install.sh ${tools.join(' ')} failed (its message above names the tool, the step and the fix)`,
      { cause: err },
    );
  }
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) found.set(line.slice(0, eq), line.slice(eq + 1));
  }
}

/** The path of one real server, provided on first use. A failure names the tool, the step and the fix. */
export function serverPath(tool: ServerTool): string {
  if (!found.has(tool)) install([PROVIDED_BY[tool] ?? tool]);
  const path = found.get(tool);
  if (path === undefined) throw new ServerInstallError(`scripts/servers/install.sh did not report a path for ${tool}`);
  return path;
}

/** Every real server (building what is missing); nothing is ever skipped. */
export function serverPaths(): ServerPaths {
  const all: ServerTool[] = ['kube-apiserver', 'kubectl', 'etcd', 'etcdctl', 'nats-server', 'helm', 'gateway-api', 'cert-manager', 'cert-manager-crds'];
  const missing = all.filter((t) => !found.has(t));
  if (missing.length > 0) install([...new Set(missing.map((t) => PROVIDED_BY[t] ?? t))]);
  return {
    kubeApiserver: serverPath('kube-apiserver'),
    kubectl: serverPath('kubectl'),
    etcd: serverPath('etcd'),
    etcdctl: serverPath('etcdctl'),
    natsServer: serverPath('nats-server'),
    helm: serverPath('helm'),
    gatewayApiCrds: serverPath('gateway-api'),
    certManager: serverPath('cert-manager'),
    certManagerCrds: serverPath('cert-manager-crds'),
  };
}
