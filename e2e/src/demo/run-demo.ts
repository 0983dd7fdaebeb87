/**
 * `npm run demo`: Weft's main job on its embedded default. A real nats-server, the control plane watching a folder
 * of manifests (a copy of examples/mesh in .weft-demo/mesh), and two agents — one serving APISIX's etcd v3 API, one
 * writing a standalone apisix.yaml. Edit a route in the folder and watch the new version reach both stores.
 * `--cluster` runs the same against the harness's real kube-apiserver (edit with kubectl instead).
 * `--check` is for tests: it edits a route itself, measures how long the change takes to reach both agents, prints
 * the figures and exits.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { agentIdOf, connectBus } from '@weft/bus';
import type { AgentStatus } from '@weft/bus';
import { REPO_ROOT, startCluster, startNats, startWeftProcess, waitFor } from '../harness/index.js';
import type { Cluster, WeftProcess } from '../harness/index.js';

const CLUSTER_ID = 'demo';
// Where the demo keeps its copy of the manifests and the agents' state; tests point it at a temp folder.
const WORK = process.env['WEFT_DEMO_DIR'] ?? join(REPO_ROOT, '.weft-demo');
const MESH = join(WORK, 'mesh');
const AGENTS = [
  { namespace: 'frontend', pod: 'web-6d8f7c9b5d-r4tnk', serviceAccount: 'web', store: 'etcd' },
  { namespace: 'bookinfo', pod: 'productpage-v1-6b746f74dc-x7k2p', serviceAccount: 'bookinfo-productpage', store: 'yaml' },
] as const;

const say = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

async function applyToCluster(cluster: Cluster): Promise<void> {
  await cluster.kubectl(['apply', '-f', join(MESH, 'namespaces.yaml')]);
  const accounts = new Set<string>();
  for (const doc of readFileSync(join(MESH, 'pods.yaml'), 'utf8').split('\n---\n')) {
    const ns = /namespace: (\S+)/.exec(doc)?.[1];
    const sa = /serviceAccountName: (\S+)/.exec(doc)?.[1];
    if (ns !== undefined && sa !== undefined) accounts.add(`${ns}/${sa}`);
  }
  for (const key of accounts) {
    const [ns = '', sa = ''] = key.split('/');
    await cluster.kubectl(['create', 'serviceaccount', sa, '-n', ns]);
  }
  for (const file of ['services.yaml', 'endpointslices.yaml', 'pods.yaml', 'routes.yaml']) await cluster.kubectl(['apply', '-f', join(MESH, file)]);
}

async function main(argv: readonly string[]): Promise<number> {
  const useCluster = argv.includes('--cluster');
  const check = argv.includes('--check');
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  cpSync(join(REPO_ROOT, 'examples/mesh'), MESH, { recursive: true });

  const processes: WeftProcess[] = [];
  const nats = await startNats();
  const cluster = useCluster ? await startCluster() : undefined;
  const stopAll = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
    await nats.stop();
    await cluster?.stop();
  };
  try {
    say(`nats-server      ${nats.url} (JetStream)`);
    if (cluster !== undefined) {
      await applyToCluster(cluster);
      say(`kube-apiserver   ${cluster.server} (kubeconfig ${cluster.kubeconfigPath})`);
    }
    const sourceArgs = cluster === undefined ? ['--source', 'folder', '--manifests', MESH] : ['--kubeconfig', cluster.kubeconfigPath];
    const controlPlane = startWeftProcess({
      name: 'control-plane',
      entry: 'apps/control-plane/src/cli.ts',
      args: [...sourceArgs, '--nats-url', nats.url, '--cluster-id', CLUSTER_ID, '--health-port', '0', '--health-host', '127.0.0.1'],
    });
    processes.push(controlPlane);
    const cpListening = await controlPlane.waitForLine('the control plane to listen', (l) => l['msg'] === 'listening', 60_000);
    say(`control plane    ${String(cpListening['health'])}/debug/mesh  (source: ${cluster === undefined ? MESH : 'the API server'})`);

    const agentInfo: { id: string; where: string }[] = [];
    for (const a of AGENTS) {
      const stateDir = join(WORK, `agent-${a.namespace}-${a.pod}`);
      const yamlPath = join(stateDir, 'apisix.yaml');
      const agent = startWeftProcess({
        name: `agent ${a.namespace}/${a.pod}`,
        entry: 'apps/agent/src/main.ts',
        args: [
          '--pod-name', a.pod, '--pod-namespace', a.namespace, '--service-account', a.serviceAccount,
          '--cluster-id', CLUSTER_ID, '--nats-url', nats.url, '--store', a.store,
          '--etcd-port', '0', '--apisix-yaml', yamlPath, '--state-dir', stateDir,
          '--health-port', '0', '--health-host', '127.0.0.1', '--status-interval', '2s',
        ],
      });
      processes.push(agent);
      const line = await agent.waitForLine(`agent ${a.pod} to listen`, (l) => l['msg'] === 'listening', 60_000);
      const where = a.store === 'etcd' ? `etcd v3 API ${String(line['etcd'])}  (etcdctl --endpoints ${String(line['etcd'])} get --prefix /apisix/routes)` : `standalone ${yamlPath}`;
      agentInfo.push({ id: agentIdOf(a.namespace, a.pod), where });
      say(`agent            ${a.namespace}/${a.pod}: ${where}`);
    }

    const bus = await connectBus({ servers: nats.url, cluster: CLUSTER_ID, name: 'weft-demo' });
    const latest = new Map<string, AgentStatus>();
    const watch = bus.watchStatus();
    const statusLoop = (async () => {
      for await (const event of watch) {
        if (event.type !== 'status') continue;
        const before = latest.get(event.status.agent);
        latest.set(event.status.agent, event.status);
        if (!check && before?.appliedVersion !== event.status.appliedVersion && agentInfo.some((a) => a.id === event.status.agent)) {
          const s = event.status;
          say(`applied          ${s.agent}: version ${s.appliedVersion ?? '-'} of scope ${s.scope} in ${s.applyLatencyMs ?? '?'} ms${s.lastError === null ? '' : `  ERROR ${s.lastError}`}`);
        }
      }
    })();
    const allApplied = (): boolean => agentInfo.every((a) => (latest.get(a.id)?.appliedVersion ?? null) !== null && latest.get(a.id)?.lastError === null);
    await waitFor('both agents to apply their first version', allApplied, { timeoutMs: 60_000 });

    if (check) {
      // The user's edit, made by the demo itself: the canary moves to 50/50.
      const before = new Map(agentInfo.map((a) => [a.id, latest.get(a.id)?.hash ?? '']));
      const routes = join(MESH, 'routes.yaml');
      const started = performance.now();
      if (cluster === undefined) {
        writeFileSync(routes, readFileSync(routes, 'utf8').replace('weight: 90', 'weight: 50').replace('weight: 10', 'weight: 50'));
      } else {
        await cluster.kubectl(['patch', 'httproute', 'reviews', '-n', 'bookinfo', '--type=json', '-p',
          JSON.stringify([{ op: 'replace', path: '/spec/rules/1/backendRefs/0/weight', value: 50 }, { op: 'replace', path: '/spec/rules/1/backendRefs/1/weight', value: 50 }])]);
      }
      await waitFor('both agents to apply the edit', () => agentInfo.every((a) => latest.get(a.id)?.hash !== before.get(a.id)), { timeoutMs: 10_000, intervalMs: 5 });
      const ms = Math.round(performance.now() - started);
      const figures = { editToBothStoresMs: ms, agents: agentInfo.map((a) => ({ agent: a.id, version: latest.get(a.id)?.appliedVersion, where: a.where })) };
      say(JSON.stringify(figures));
      say(`edit → both stores: ${ms} ms`);
    } else {
      say('');
      say(cluster === undefined
        ? `Edit a route in ${join(MESH, 'routes.yaml')} (try the weights 90/10) and watch both agents apply it. Ctrl-C stops everything.`
        : `Edit a route with: kubectl --kubeconfig ${cluster.kubeconfigPath} edit httproute reviews -n bookinfo. Ctrl-C stops everything.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      say('stopping…');
    }
    await watch.close();
    await statusLoop.catch(() => undefined);
    await bus.close();
    return 0;
  } finally {
    await stopAll();
  }
}

process.exitCode = await main(process.argv.slice(2));
