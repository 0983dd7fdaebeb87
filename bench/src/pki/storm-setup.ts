import { readFileSync } from 'node:fs';
import { KubeHttp } from '@weft/k8s';
import { startWeftProcess } from '@weft/e2e';
import type { Cluster, WeftProcess } from '@weft/e2e';
import { createCsr, generateKeyPair } from '@weft/pki';

export const STORM_NAMESPACE = 'storm';

/** One simulated agent: its ServiceAccount, its pod, its own pod-bound token, and a CSR for its own fresh key. */
export interface StormAgent {
  readonly serviceAccount: string;
  readonly pod: string;
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

interface CreatedPod {
  readonly metadata?: { readonly uid?: string };
}

/**
 * One pod per agent (`agent-pod-<i>`, running as its ServiceAccount), as a Deployment's pods would be: real agents'
 * tokens are projected into their pod and bound to it. The harness has no scheduler or kubelet, so they stay Pending.
 * Returns each pod's uid, in order.
 */
export async function createPods(cluster: Cluster, slots: readonly string[]): Promise<{ names: string[]; uids: string[] }> {
  const http = new KubeHttp(cluster.kubeConfig);
  const names = slots.map((_, i) => `agent-pod-${String(i).padStart(4, '0')}`);
  const uids = await pooled(slots, 32, async (serviceAccount, i) => {
    const created = await http.json<CreatedPod>('POST', `/api/v1/namespaces/${STORM_NAMESPACE}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: names[i], namespace: STORM_NAMESPACE, labels: { app: 'storm' } },
      spec: { serviceAccountName: serviceAccount, automountServiceAccountToken: false, containers: [{ name: 'app', image: 'registry.invalid/storm:1' }] },
    });
    const uid = created.metadata?.uid;
    if (uid === undefined) throw new Error(`pod ${names[i] ?? ''} was created without a uid`);
    return uid;
  });
  return { names, uids };
}

/**
 * `agents` agents spread round-robin over the ServiceAccounts, each in its own pod with its own TokenRequest token
 * bound to that pod (audience weft, all distinct) and a CSR for a fresh P-256 key: everything a pod storm sends,
 * prepared before the clock starts. `onPodsCreated` is told how long creating the pods took.
 */
export async function prepareAgents(
  cluster: Cluster,
  serviceAccounts: readonly string[],
  agents: number,
  trustDomain: string,
  onPodsCreated?: (ms: number) => void,
): Promise<StormAgent[]> {
  const http = new KubeHttp(cluster.kubeConfig);
  const slots = Array.from({ length: agents }, (_, i) => serviceAccounts[i % serviceAccounts.length] as string);
  const podsStarted = performance.now();
  const pods = await createPods(cluster, slots);
  onPodsCreated?.(performance.now() - podsStarted);
  const prepared = await pooled(slots, 32, async (serviceAccount, i) => {
    const pod = pods.names[i] as string;
    const answer = await http.json<TokenRequestAnswer>('POST', `/api/v1/namespaces/${STORM_NAMESPACE}/serviceaccounts/${serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: ['weft'], expirationSeconds: 3600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod, uid: pods.uids[i] } },
    });
    const token = answer.status?.token;
    if (token === undefined) throw new Error(`TokenRequest for ${serviceAccount} returned no token`);
    const keys = await generateKeyPair();
    const csrPem = await createCsr({ keys, spiffeId: { trustDomain, namespace: STORM_NAMESPACE, serviceAccount } });
    return { serviceAccount, pod, token, csrPem, privateKey: keys.privateKey };
  });
  if (new Set(prepared.map((a) => a.token)).size !== prepared.length) throw new Error('TokenRequest returned duplicate tokens');
  return prepared;
}

/** The real control plane (its sources, through tsx) with the certificate service on a free loopback port. */
export async function startControlPlane(cluster: Cluster, natsUrl: string, burst: number, tokenVerification: 'local' | 'tokenreview'): Promise<{ process: WeftProcess; caPort: number; health: string; rootsPem: string }> {
  const cp = startWeftProcess({
    name: 'control-plane',
    entry: 'apps/control-plane/src/cli.ts',
    args: [
      '--kubeconfig', cluster.kubeconfigPath, '--nats-url', natsUrl, '--cluster-id', 'bench-pki', '--health-port', '0',
      '--health-host', '127.0.0.1', '--ca-listen', '127.0.0.1:0', '--ca-burst', String(burst), '--ca-token-verification', tokenVerification,
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
