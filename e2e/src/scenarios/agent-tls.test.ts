import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentIdOf, connectBus } from '@weft/bus';
import { generateClusterCertificates } from '../harness/certs.js';
import type { ClusterCertificates } from '../harness/certs.js';
import { startNats, waitFor } from '../harness/index.js';
import { etcdRoutes, publishContent, scopeContent, startAgent } from './agent-process.js';

// The generated certificates: a CA, a server certificate for 127.0.0.1 (nats-server) and a client one (the agent).
let certs: ClusterCertificates;
let dir: string;
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};

beforeAll(async () => {
  certs = await generateClusterCertificates();
  dir = mkdtempSync(join(tmpdir(), 'weft-e2e-tls-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('agent over TLS', () => {
  it('agent - connects to a nats-server that requires mutual TLS, and only with its certificate', async () => {
    const ca = file('ca.crt', certs.ca.certPem);
    const serverCert = file('server.crt', certs.serving.certPem);
    const serverKey = file('server.key', certs.serving.keyPem);
    const clientCert = file('client.crt', certs.admin.certPem);
    const clientKey = file('client.key', certs.admin.keyPem);
    await using nats = await startNats({
      extraConfig: `tls { cert_file: ${JSON.stringify(serverCert)}, key_file: ${JSON.stringify(serverKey)}, ca_file: ${JSON.stringify(ca)}, verify: true, timeout: 2 }`,
    });
    const tls = { caFile: ca, certFile: clientCert, keyFile: clientKey };
    await using bus = await connectBus({ servers: nats.url, cluster: 'tls', tls });
    await bus.ensureStreams();
    const content = scopeContent('tls', 3);
    await publishContent(bus.createPublisher(), 'mesh-tls', content);
    await bus.publishAssignment(agentIdOf('shop', 'web-1'), 'mesh-tls');

    await using agent = await startAgent({
      natsUrl: nats.url,
      cluster: 'tls',
      pod: 'web-1',
      extraArgs: ['--nats-ca', ca, '--nats-cert', clientCert, '--nats-key', clientKey],
    });
    const routes = await waitFor('the routes over TLS', async () => {
      const r = await etcdRoutes(agent.etcd!);
      return r.ids.length === 3 ? r : undefined;
    }, { timeoutMs: 20_000 });
    expect(routes.ids).toEqual(content.resources.routes.map((r) => r.id));

    // Without a client certificate the server refuses the connection: the agent keeps trying and says why.
    await using anonymous = await startAgent({ natsUrl: nats.url, cluster: 'tls', pod: 'web-2', extraArgs: ['--nats-ca', ca] });
    const refused = await waitFor(
      'the refused connection in the log',
      () => anonymous.logs.find((l) => l['msg'] === 'waiting for NATS; serving the last applied snapshot meanwhile'),
      { timeoutMs: 40_000 },
    );
    expect(String(refused['err'])).toContain(`cannot connect to NATS at ${nats.url}`);
    expect(await etcdRoutes(anonymous.etcd!)).toMatchObject({ ids: [] });
  });
});
