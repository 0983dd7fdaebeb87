import { readFileSync } from 'node:fs';
import { KubeHttp } from '@weft/k8s';
import { startWeftProcess } from '@weft/e2e';
import type { Cluster, WeftProcess } from '@weft/e2e';
import { createCsr, generateKeyPair } from '@weft/pki';

export const STORM_NAMESPACE = 'storm';

/** One simulated agent: its ServiceAccount, its own token, and a CSR for its own fresh key. */
export interface StormAgent {
  readonly serviceAccount: string;
  readonly token: string;
  readonly csrPem: string;
  readonly privateKey: CryptoKey;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pooled<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** `count` ServiceAccounts in the storm namespace (and the control plane's namespace), created in one apply. */
export async function createServiceAccounts(cluster: Cluster, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `agent-${String(i).padStart(3, '0')}`);
  const items = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: STORM_NAMESPACE } },
    ...names.map((name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: STORM_NAMESPACE } })),
  ];
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return names;
}

interface TokenRequestAnswer {
  readonly status?: { readonly token?: string };
}

/**
 * `agents` agents spread round-robin over the ServiceAccounts, each with its own TokenRequest token (audience weft,
 * all distinct) and a CSR for a fresh P-256 key: everything a pod storm sends, prepared before the clock starts.
 */
export async function prepareAgents(cluster: Cluster, serviceAccounts: readonly string[], agents: number, trustDomain: string): Promise<StormAgent[]> {
  const http = new KubeHttp(cluster.kubeConfig);
  const slots = Array.from({ length: agents }, (_, i) => serviceAccounts[i % serviceAccounts.length] as string);
  const prepared = await pooled(slots, 32, async (serviceAccount) => {
    const answer = await http.json<TokenRequestAnswer>('POST', `/api/v1/namespaces/${STORM_NAMESPACE}/serviceaccounts/${serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: ['weft'], expirationSeconds: 3600 },
    });
    const token = answer.status?.token;
    if (token === undefined) throw new Error(`TokenRequest for ${serviceAccount} returned no token`);
    const keys = await generateKeyPair();
    const csrPem = await createCsr({ keys, spiffeId: { trustDomain, namespace: STORM_NAMESPACE, serviceAccount } });
    return { serviceAccount, token, csrPem, privateKey: keys.privateKey };
  });
  if (new Set(prepared.map((a) => a.token)).size !== prepared.length) throw new Error('TokenRequest returned duplicate tokens');
  return prepared;
}

/** The real control plane (its sources, through tsx) with the certificate service on a free loopback port. */
export async function startControlPlane(cluster: Cluster, natsUrl: string, burst: number): Promise<{ process: WeftProcess; caPort: number; health: string; rootsPem: string }> {
  const cp = startWeftProcess({
    name: 'control-plane',
    entry: 'apps/control-plane/src/cli.ts',
    args: [
      '--kubeconfig', cluster.kubeconfigPath, '--nats-url', natsUrl, '--cluster-id', 'bench-pki', '--health-port', '0',
      '--health-host', '127.0.0.1', '--ca-listen', '127.0.0.1:0', '--ca-burst', String(burst),
    ],
    env: { POD_NAMESPACE: 'weft-system', WEFT_LOG_LEVEL: 'info' },
  });
  const line = await cp.waitForLine('the certificate service', (l) => l['msg'] === 'certificate service listening', 120_000);
  const healthLine = await cp.waitForLine('the health server', (l) => l['msg'] === 'listening' && typeof l['health'] === 'string');
  const secret = JSON.parse(await cluster.kubectl(['get', 'secret', 'weft-ca', '-n', 'weft-system', '-o', 'json'])) as { data: Record<string, string> };
  return {
    process: cp,
    caPort: line['port'] as number,
    health: healthLine['health'] as string,
    rootsPem: Buffer.from(secret.data['root-cert.pem'] ?? '', 'base64').toString('utf8'),
  };
}

/** user + system CPU seconds a process has used so far (/proc/<pid>/stat, clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name in parentheses (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
