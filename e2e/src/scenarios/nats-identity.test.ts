import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount } from '@nats-io/nkeys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentIdOf, busNames, connectBus, ConnectError, createAgentAuthorizer, identityGrants, inboxPrefixOf, startAuthResponder } from '@weft/bus';
import type { AuthDecision, AuthResponder, Bus, BusConnectionEvent, BusTlsOptions, IdentityGrant } from '@weft/bus';
import type { PodView } from '@weft/model';
import { createCsr, createSelfSignedRoot, exportPrivateKeyPem, generateKeyPair, spiffeIdOfCertificate } from '@weft/pki';
import type { CertificateAuthority } from '@weft/pki';
import { generateClusterCertificates } from '../harness/certs.js';
import type { ClusterCertificates } from '../harness/certs.js';
import { startNats, waitFor } from '../harness/index.js';
import type { NatsServer } from '../harness/index.js';
import { etcdRoutes, publishContent, scopeContent, startAgent } from './agent-process.js';

// NATS with identity: nats-server verifies every client certificate against the mesh trust bundle (TLS verify) and
// asks the control plane's responder (auth callout) what each connection may do. Agents A (shop/web) and B
// (bank/vault) have SVIDs of different identities, issued by the mesh CA directly.

const CLUSTER = 'ident';
const TRUST_DOMAIN = 'mesh.test';
const ACCOUNT = 'WEFT';
const SERVICE = { user: 'weft', pass: 'service-secret' };
const AUTH = { user: 'weft-auth', pass: 'auth-secret' };
const A = { namespace: 'shop', pod: 'web-1', serviceAccount: 'web' };
const B = { namespace: 'bank', pod: 'vault-1', serviceAccount: 'vault' };
const AGENT_A = agentIdOf(A.namespace, A.pod);
const AGENT_B = agentIdOf(B.namespace, B.pod);

interface Svid {
  readonly cert: string;
  readonly key: string;
  readonly uri: string;
}

async function issue(ca: CertificateAuthority, namespace: string, serviceAccount: string): Promise<Svid> {
  const keys = await generateKeyPair();
  const spiffeId = { trustDomain: ca.trustDomain, namespace, serviceAccount };
  const issued = await ca.issueSvid({ csrPem: await createCsr({ keys, spiffeId }), spiffeId });
  return { cert: issued.chainPem, key: await exportPrivateKeyPem(keys.privateKey), uri: issued.spiffeId.uri };
}

function pod(who: { namespace: string; pod: string; serviceAccount: string }): PodView {
  return {
    metadata: { namespace: who.namespace, name: who.pod, generation: 0, creationTimestamp: '', labels: {} },
    serviceAccountName: who.serviceAccount,
    podIPs: [],
    containerPorts: [],
    phase: 'Running',
  };
}

/** Collects a bus's connection events, to see the server's permission violations. */
function recordEvents(bus: Bus): BusConnectionEvent[] {
  const events: BusConnectionEvent[] = [];
  void (async () => {
    for await (const event of bus.connectionEvents()) events.push(event);
  })();
  return events;
}

const violationOn = (events: readonly BusConnectionEvent[], fragment: string): string | undefined =>
  events
    .map((e) => (e.type === 'error' ? e.error.message : ''))
    .find((m) => m.includes('Permissions Violation') && m.includes(fragment));

describe('NATS with identity (mutual TLS + auth callout)', () => {
  let dir: string;
  let cluster: ClusterCertificates;
  let mesh: CertificateAuthority;
  let nats: NatsServer;
  let responder: AuthResponder;
  let service: Bus;
  let svidA: Svid;
  let svidB: Svid;
  const decisions: AuthDecision[] = [];
  // What the control plane's last translation says: pods (with their ServiceAccounts) and workload → scope.
  const pods = new Map([
    [`${A.namespace}/${A.pod}`, pod(A)],
    [`${B.namespace}/${B.pod}`, pod(B)],
  ]);
  let grants: ReadonlyMap<string, IdentityGrant> = new Map();
  const assign = async (workloads: Record<string, string>): Promise<void> => {
    grants = identityGrants(pods, workloads);
    for (const [workload, scope] of Object.entries(workloads)) {
      const [ns = '', name = ''] = workload.split('/');
      await service.publishAssignment(agentIdOf(ns, name), scope);
    }
  };
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const tlsOf = (svid: Svid | undefined): BusTlsOptions => ({ ca: cluster.ca.certPem, ...(svid === undefined ? {} : { cert: svid.cert, key: svid.key }) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-e2e-nats-identity-'));
    cluster = await generateClusterCertificates(); // nats-server's own certificate (127.0.0.1) comes from this CA
    mesh = await createSelfSignedRoot({ trustDomain: TRUST_DOMAIN });
    const issuer = createAccount();
    const controlPlane = await issue(mesh, 'weft-system', 'weft-control-plane');
    svidA = await issue(mesh, A.namespace, A.serviceAccount);
    svidB = await issue(mesh, B.namespace, B.serviceAccount);
    nats = await startNats({
      extraConfig: [
        `tls { cert_file: ${JSON.stringify(file('server.crt', cluster.serving.certPem))}, key_file: ${JSON.stringify(file('server.key', cluster.serving.keyPem))}, ca_file: ${JSON.stringify(file('bundle.pem', mesh.trustBundle.toPem()))}, verify: true, timeout: 2 }`,
        'accounts {',
        `  AUTH { users: [ { user: ${AUTH.user}, password: ${AUTH.pass} } ] }`,
        `  ${ACCOUNT} { jetstream: enabled, users: [ { user: ${SERVICE.user}, password: ${SERVICE.pass} } ] }`,
        '}',
        `authorization { timeout: 3, auth_callout { issuer: ${issuer.getPublicKey()}, account: AUTH, auth_users: [ ${AUTH.user}, ${SERVICE.user} ] } }`,
      ].join('\n'),
    });
    responder = await startAuthResponder({
      servers: nats.url,
      ...AUTH,
      tls: tlsOf(controlPlane),
      issuerSeed: new TextDecoder().decode(issuer.getSeed()),
      authorize: createAgentAuthorizer({
        names: busNames(CLUSTER),
        account: ACCOUNT,
        identityOf: (leafPem) => spiffeIdOfCertificate(leafPem, TRUST_DOMAIN),
        grants: () => grants,
      }),
      onDecision: (decision) => decisions.push(decision),
    });
    service = await connectBus({ servers: nats.url, cluster: CLUSTER, tls: tlsOf(controlPlane), ...SERVICE });
    await service.ensureStreams();
    const publisher = service.createPublisher();
    for (const scope of ['scope-a', 'scope-b', 'scope-c']) await publishContent(publisher, scope, scopeContent(scope, 2));
    await assign({ [`${A.namespace}/${A.pod}`]: 'scope-a', [`${B.namespace}/${B.pod}`]: 'scope-b' });
  });
  afterAll(async () => {
    await service.close();
    await responder.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nats identity - an agent reads its own scope, is refused another scope and another agent’s status, and gets a new assignment without a restart', async () => {
    // A real agent process with A's SVID follows its assignment.
    await using agent = await startAgent({
      natsUrl: nats.url,
      cluster: CLUSTER,
      namespace: A.namespace,
      pod: A.pod,
      extraArgs: ['--nats-ca', file('cluster-ca.pem', cluster.ca.certPem), '--nats-cert', file('a.crt', svidA.cert), '--nats-key', file('a.key', svidA.key)],
    });
    const routes = async (): Promise<string[]> => (await etcdRoutes(agent.etcd ?? '')).ids;
    await waitFor('agent A serves scope-a', async () => ((await routes()).join() === 'scope-a-0,scope-a-1' ? true : undefined), { timeoutMs: 30_000 });
    const allowedA = decisions.find((d) => d.allow && d.user.name === svidA.uri);
    expect(allowedA?.allow === true ? allowedA.grant : undefined).toEqual({ agents: [AGENT_A], scopes: ['scope-a'] });

    // The same identity on a bus of its own: its scope reads; B's scope is refused by the server.
    await using busA = await connectBus({ servers: nats.url, cluster: CLUSTER, tls: tlsOf(svidA), inboxPrefix: inboxPrefixOf(svidA.uri) });
    const eventsA = recordEvents(busA);
    expect((await busA.readFullState('scope-a'))?.meta.version).toMatch(/^[0-9]+$/);
    await expect(busA.readFullState('scope-b')).rejects.toThrow(/Permissions Violation/);
    await using subB = busA.subscribeScope('scope-b');
    const delivered: string[] = [];
    void (async () => {
      for await (const m of subB) delivered.push(m.type);
    })();
    const subscribeRefusal = await waitFor('the refused subscription to scope-b', () => violationOn(eventsA, 'weft.ident.snap.scope-b.'), { timeoutMs: 10_000 });
    expect(subscribeRefusal).toMatch(/\$JS\.API\.(DIRECT\.GET|CONSUMER\.CREATE)\.weft-ident-snap\./);
    expect(delivered).toEqual([]);
    // Nor can it listen where every client's replies and deliveries would go by default.
    await using raw = await connectBus({ servers: nats.url, cluster: CLUSTER, tls: tlsOf(svidA) });
    await expect(raw.readFullState('scope-a')).rejects.toThrow(/Permissions Violation|timeout|TIMEOUT/i);

    // A writes its own status, not B's.
    const status = (agentId: string, scope: string) => ({ agent: agentId, scope, appliedVersion: null, hash: null, applyLatencyMs: null, lastError: null, at: new Date().toISOString() });
    await busA.reportStatus(status(AGENT_A, 'scope-a'));
    await expect(busA.reportStatus(status(AGENT_B, 'scope-b'))).rejects.toThrow(/Permissions Violation/);
    expect((await service.listStatus()).map((s) => s.agent)).not.toContain(AGENT_B);

    // B, for its part, reads scope-b but not scope-a.
    await using busB = await connectBus({ servers: nats.url, cluster: CLUSTER, tls: tlsOf(svidB), inboxPrefix: inboxPrefixOf(svidB.uri) });
    expect((await busB.readFullState('scope-b'))?.meta.version).toMatch(/^[0-9]+$/);
    await expect(busB.readFullState('scope-a')).rejects.toThrow(/Permissions Violation/);

    // A is assigned scope-c, which its connection may not read: it reconnects, the callout answers with the new
    // grant, and it serves scope-c without a restart.
    const pid = agent.pid;
    await assign({ [`${A.namespace}/${A.pod}`]: 'scope-c', [`${B.namespace}/${B.pod}`]: 'scope-b' });
    await waitFor('agent A serves scope-c', async () => ((await routes()).join() === 'scope-c-0,scope-c-1' ? true : undefined), { timeoutMs: 30_000 });
    expect(agent.pid).toBe(pid);
    expect(agent.logs.some((l) => l['msg'] === 'NATS refused a subject; reconnecting to get the current permissions')).toBe(true);
    const regranted = decisions.filter((d) => d.allow && d.user.name === svidA.uri).at(-1);
    expect(regranted?.allow === true ? regranted.grant.scopes : undefined).toEqual(['scope-c']);
  });

  it('nats identity - a client without a certificate, or with one from another trust domain, is refused', async () => {
    const other = await createSelfSignedRoot({ trustDomain: 'other.test' });
    const foreign = await issue(other, A.namespace, A.serviceAccount);
    const refused = async (tls: BusTlsOptions): Promise<unknown> => {
      try {
        const bus = await connectBus({ servers: nats.url, cluster: CLUSTER, tls, connectTimeoutMs: 3000 });
        await bus.close();
        return undefined;
      } catch (err) {
        return err;
      }
    };
    expect(await refused(tlsOf(undefined))).toBeInstanceOf(ConnectError);
    expect(await refused(tlsOf(foreign))).toBeInstanceOf(ConnectError);
    // Both were stopped at the TLS handshake: the server saw no verified certificate, the callout never ran for them.
    const log = readFileSync(join(nats.tempDir, 'nats-server.log'), 'utf8');
    expect(log).toMatch(/TLS handshake error/);
    expect(decisions.some((d) => d.allow && d.user.name.includes('other.test'))).toBe(false);
    // The control plane's service user connects as before (it bypasses the callout), and the agents' grants hold.
    expect(await refused(tlsOf(svidB))).toBeUndefined();
  });
});
