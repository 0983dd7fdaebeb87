import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Deployment } from '@kubernetes/client-node';
import { createSelfSignedRoot } from '@weft/pki';
import { freePort, REPO_ROOT, startCluster, startNats, startWeftProcess, waitFor } from '../harness/index.js';
import type { Cluster, NatsServer, WeftProcess } from '../harness/index.js';
import { makeTempDir, removeTempDir } from '../harness/tempdir.js';
import { CHART, containerEnv, parseManifests, runHelm, serviceAccountKubeconfig, valuesFile } from './helm-chart-run.js';

// `weftctl check` against a real install: the chart installed by helm into the harness's kube-apiserver, the real
// control plane run with the rendered environment under the chart's ServiceAccount, a real nats-server. Then each
// piece is broken in turn and must give its FAIL line (and the exit code 1), and is repaired for the next test.

const NS = 'weft-system';
const WEBHOOK_CONFIGURATION = 'weft-sidecar-injector';

interface CheckLine {
  readonly name: string;
  readonly status: 'OK' | 'WARN' | 'FAIL';
  readonly message: string;
  readonly fix?: string;
}
interface CheckRun {
  readonly code: number;
  readonly text: string;
  readonly checks: readonly CheckLine[];
}

describe('weftctl check against a real install', () => {
  let cluster: Cluster;
  let nats: NatsServer;
  let cp: WeftProcess;
  let home: string;
  let webhookPort: number;
  let caSecretData: Record<string, string>;

  /** Runs `weftctl check` from its sources, as a user would, with JSON output; resolves its exit code and checks. */
  const check = (extra: readonly string[] = []): Promise<CheckRun> =>
    new Promise((resolve, reject) => {
      const args = ['--import', 'tsx', '--conditions=development', 'apps/weftctl/src/cli.ts', 'check', '--kubeconfig', cluster.kubeconfigPath, '--namespace', NS, '--nats-url', nats.url, '--cluster-id', 'check', '--output', 'json', ...extra];
      execFile(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        try {
          const parsed = JSON.parse(stdout) as { ok: boolean; checks: CheckLine[] };
          expect(parsed.ok).toBe(code === 0);
          resolve({ code, text: stdout, checks: parsed.checks });
        } catch (parseError) {
          reject(new Error(`weftctl check exited ${code} without JSON: ${stdout}\n${stderr}`, { cause: parseError }));
        }
      });
    });
  const byName = (run: CheckRun, name: string): CheckLine => {
    const found = run.checks.find((c) => c.name === name);
    if (found === undefined) throw new Error(`no check "${name}" among ${run.checks.map((c) => c.name).join(', ')}`);
    return found;
  };
  /** Every check but these is OK. */
  const onlyFailing = (run: CheckRun): string[] => run.checks.filter((c) => c.status !== 'OK').map((c) => `${c.status} ${c.name}`).sort();
  const setWebhookCaBundles = async (caBundle: string): Promise<void> => {
    const ops = [0, 1].map((i) => ({ op: 'replace', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle }));
    await cluster.kubectl(['patch', 'mutatingwebhookconfiguration', WEBHOOK_CONFIGURATION, '--type=json', '-p', JSON.stringify(ops)]);
  };
  const currentCaBundle = async (): Promise<string> =>
    (JSON.parse(await cluster.kubectl(['get', 'mutatingwebhookconfiguration', WEBHOOK_CONFIGURATION, '-o', 'json'])) as { webhooks: { clientConfig: { caBundle?: string } }[] }).webhooks[0]?.clientConfig.caBundle ?? '';
  const replaceCaSecret = async (data: Record<string, string>): Promise<void> => {
    const ops = [{ op: 'replace', path: '/data', value: data }];
    await cluster.kubectl(['patch', 'secret', 'weft-ca', '-n', NS, '--type=json', '-p', JSON.stringify(ops)]);
  };
  const base64 = (text: string): string => Buffer.from(text).toString('base64');

  beforeAll(async () => {
    home = makeTempDir('weftctl-check');
    cluster = await startCluster();
    nats = await startNats();
    webhookPort = await freePort();
    // The chart as a user installs it, with the test's NATS as the existing one.
    const values = valuesFile(home, 'install', { controlPlane: { replicas: 1 }, injection: { timeoutSeconds: 5 }, nats: { enabled: false, url: nats.url } });
    const installed = await runHelm(home, ['install', 'weft', CHART, '--namespace', NS, '--create-namespace', '--wait=false', '--values', values, '--kubeconfig', cluster.kubeconfigPath]);
    expect(installed.code, installed.stderr).toBe(0);
    // The API server cannot reach a Service here (no kube-proxy, no pods), so the webhooks call the control plane's
    // loopback port instead; everything else stays as the chart made it.
    const toUrl = [0, 1].flatMap((i) => [
      { op: 'remove', path: `/webhooks/${i}/clientConfig/service` },
      { op: 'add', path: `/webhooks/${i}/clientConfig/url`, value: `https://localhost:${webhookPort}/inject` },
    ]);
    await cluster.kubectl(['patch', 'mutatingwebhookconfiguration', WEBHOOK_CONFIGURATION, '--type=json', '-p', JSON.stringify(toUrl)]);

    const manifest = await runHelm(home, ['get', 'manifest', 'weft', '--namespace', NS, '--kubeconfig', cluster.kubeconfigPath]);
    const deployment = parseManifests(manifest.stdout).find((o) => o.kind === 'Deployment' && o.metadata.name === 'weft-control-plane') as V1Deployment;
    const env = containerEnv(deployment.spec!.template.spec!.containers[0]!, { 'metadata.name': 'weft-control-plane-check-1', 'metadata.namespace': NS });
    const token = (await cluster.kubectl(['create', 'token', 'weft-control-plane', '-n', NS, '--duration=1h'])).trim();
    const kubeconfig = join(home, 'control-plane.kubeconfig');
    writeFileSync(kubeconfig, serviceAccountKubeconfig(cluster.server, cluster.certificates.ca.certPem, token));
    cp = startWeftProcess({
      name: 'control-plane',
      entry: 'apps/control-plane/src/cli.ts',
      args: [],
      env: {
        ...env,
        KUBECONFIG: kubeconfig,
        WEFT_CLUSTER_ID: 'check',
        WEFT_HEALTH_HOST: '127.0.0.1',
        WEFT_HEALTH_PORT: '0',
        WEFT_CA_LISTEN: '127.0.0.1:0',
        WEFT_WEBHOOK_LISTEN: `127.0.0.1:${webhookPort}`,
        WEFT_WEBHOOK_DNS_NAMES: 'localhost',
        // A broken caBundle must stay broken while the test looks at it (the keeper repairs it at each resync).
        WEFT_WEBHOOK_RESYNC: '1h',
      },
    });
    const seen = (msg: string) => cp.waitForLine(msg, (l) => l['msg'] === msg, 60_000);
    await seen('started leading: publishing and writing route status');
    await seen('wrote the CA bundle into the webhook configuration');
    await seen('mesh pushed');
    const secret = JSON.parse(await cluster.kubectl(['get', 'secret', 'weft-ca', '-n', NS, '-o', 'json'])) as { data: Record<string, string> };
    caSecretData = secret.data;
  }, 240_000);

  afterAll(async () => {
    await cp.stop();
    await nats.stop();
    await cluster.stop();
    removeTempDir(home);
  });

  it('weftctl check - a good install: every check OK, exit code 0, through the API server and directly', async () => {
    const run = await check();
    expect(onlyFailing(run), run.text).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.checks.map((c) => c.name)).toEqual([
      'crd httproutes.gateway.networking.k8s.io',
      'crd grpcroutes.gateway.networking.k8s.io',
      'crd referencegrants.gateway.networking.k8s.io',
      'crd meshauthorizations.mesh.weft.dev',
      `webhook configuration ${WEBHOOK_CONFIGURATION}`,
      'webhook caBundle',
      'webhook reachable',
      `ca secret ${NS}/weft-ca`,
      `leader lease ${NS}/weft-control-plane`,
      `nats ${nats.url}`,
    ]);
    // The API server itself called the webhook for a dry-run pod, trusting the caBundle.
    expect(byName(run, 'webhook reachable').message).toMatch(/the API server called it for a dry-run pod in weft-system and it injected the sidecar/);
    expect(byName(run, `leader lease ${NS}/weft-control-plane`).message).toMatch(/^held by weft-control-plane-check-1, renewed/);
    expect(byName(run, `nats ${nats.url}`).message).toMatch(/JetStream streams of cluster "check" present, latest version \d+/);
    // No pod was stored by the dry run.
    expect(await cluster.kubectl(['get', 'pods', '-n', NS, '-o', 'name'])).toBe('');

    const direct = await check(['--webhook-url', `https://127.0.0.1:${webhookPort}/inject`]);
    expect(byName(direct, 'webhook reachable')).toMatchObject({ status: 'OK', message: expect.stringMatching(/^127\.0\.0\.1:\d+ verified with the caBundle as localhost, injected a check pod/) as unknown });
    expect(direct.code).toBe(0);
  }, 120_000);

  it('weftctl check - a deleted CRD fails its line', async () => {
    await cluster.kubectl(['delete', 'crd', 'meshauthorizations.mesh.weft.dev', '--wait=true', '--timeout=30s']);
    try {
      const run = await check();
      expect(run.code).toBe(1);
      expect(onlyFailing(run)).toEqual(['FAIL crd meshauthorizations.mesh.weft.dev']);
      expect(byName(run, 'crd meshauthorizations.mesh.weft.dev')).toMatchObject({ message: 'not found: MeshAuthorization cannot be used', fix: expect.stringContaining('kubectl apply -f charts/weft/crds/') as unknown });
    } finally {
      await cluster.kubectl(['apply', '-f', join(CHART, 'crds')]);
      await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=30s', 'crd/meshauthorizations.mesh.weft.dev']);
    }
  }, 120_000);

  it('weftctl check - a caBundle of another CA fails the caBundle line and the API server’s call', async () => {
    const good = await currentCaBundle();
    await setWebhookCaBundles(base64(cluster.certificates.ca.certPem));
    try {
      const run = await check();
      expect(run.code).toBe(1);
      expect(onlyFailing(run)).toEqual(['FAIL webhook caBundle', 'FAIL webhook reachable']);
      expect(byName(run, 'webhook caBundle').message).toMatch(/^does not hold the CA root .*: the API server will not trust the webhook's serving certificate$/);
      expect(byName(run, 'webhook reachable').message).toMatch(/^the API server could not call it: .*failed calling webhook .*x509: certificate signed by unknown authority/);
      // Directly, the same caBundle refuses the handshake.
      const direct = await check(['--webhook-url', `https://127.0.0.1:${webhookPort}/inject`]);
      expect(byName(direct, 'webhook reachable').message).toMatch(/^the caBundle does not verify its serving certificate for localhost: /);
    } finally {
      await setWebhookCaBundles(good);
    }
  }, 120_000);

  it('weftctl check - an expired CA, then garbage in the CA Secret, fail the CA line', async () => {
    const then = new Date(Date.now() - 48 * 3600_000);
    const expired = (await createSelfSignedRoot({ trustDomain: 'cluster.local', lifetimeMs: 3600_000, now: then })).exportMaterial();
    await replaceCaSecret({ 'ca.crt': base64(expired.caCert), 'ca.key': base64(expired.caKey), 'cert-chain.pem': base64(expired.certChain), 'root-cert.pem': base64(expired.rootCert) });
    try {
      const run = await check();
      expect(run.code).toBe(1);
      const ca = byName(run, `ca secret ${NS}/weft-ca`);
      expect(ca.status).toBe('FAIL');
      expect(ca.message).toMatch(/^not a usable CA: ca\.crt is not valid at /);
      // Nothing else fails: the caBundle is compared with the roots of a usable CA only.
      expect(onlyFailing(run)).toEqual([`FAIL ca secret ${NS}/weft-ca`]);

      await replaceCaSecret({ 'ca.crt': base64('garbage'), 'ca.key': base64('garbage'), 'cert-chain.pem': base64('garbage'), 'root-cert.pem': base64('garbage') });
      const garbage = await check();
      expect(garbage.code).toBe(1);
      expect(byName(garbage, `ca secret ${NS}/weft-ca`)).toMatchObject({ status: 'FAIL', message: expect.stringMatching(/^not a usable CA: /) as unknown });
      expect(onlyFailing(garbage)).toEqual([`FAIL ca secret ${NS}/weft-ca`]);

      await replaceCaSecret({ 'ca.crt': base64('x') });
      const partial = await check();
      expect(byName(partial, `ca secret ${NS}/weft-ca`).message).toBe('not in the cacerts layout: lacks ca.key or ca-key.pem, cert-chain.pem, root-cert.pem');
    } finally {
      await replaceCaSecret(caSecretData);
    }
  }, 120_000);

  it('weftctl check - NATS down fails the NATS line; a stopped control plane fails the Lease and the webhook', async () => {
    await nats.kill();
    const run = await check(['--timeout', '2s']);
    expect(run.code).toBe(1);
    expect(onlyFailing(run)).toEqual([`FAIL nats ${nats.url}`]);
    expect(byName(run, `nats ${nats.url}`).message).toMatch(/^cannot connect: cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+/);

    // SIGTERM releases the Lease; nothing answers the webhook any more.
    await cp.stop();
    const stopped = await check(['--timeout', '2s']);
    expect(onlyFailing(stopped)).toEqual([`FAIL leader lease ${NS}/weft-control-plane`, `FAIL nats ${nats.url}`, 'FAIL webhook reachable']);
    expect(byName(stopped, `leader lease ${NS}/weft-control-plane`).message).toBe('held by nobody (released, and not taken again)');
    expect(byName(stopped, 'webhook reachable').message).toMatch(/^the API server could not call it: .*connection refused/);
    await waitFor('nothing left', () => cp.exitCode() !== undefined, { timeoutMs: 5_000 });
  }, 120_000);
});
