import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESH_SSL_IDS, meshServerName } from '@weft/model';
import { createCsr, createSelfSignedRoot, exportPrivateKeyPem, generateKeyPair } from '@weft/pki';
import type { CertificateAuthority } from '@weft/pki';
import { freePort, waitFor } from '../harness/index.js';
import { startServerProcess } from '../harness/process.js';
import type { ServerProcess } from '../harness/process.js';
import { makeTempDir, removeTempDir } from '../harness/tempdir.js';

// Mesh mTLS on the data path (docs/mesh-mtls.md), proven on real nginx (Debian's, with its stream module): the TLS
// directives APISIX's nginx runs for Weft's ssl objects and upstreams, rendered by hand, with SVIDs issued by Weft's
// own CA (libs/pki) under the mesh naming scheme. The client sidecar's location is what APISIX's template makes of a
// meshed upstream (`pass_host: rewrite` + `upstream_host` = mesh name → proxy_ssl_name and Host; `tls.client_cert_id:
// weft-outbound` → the client certificate; the injector's snippet → proxy_ssl_verify on + the trust bundle); the
// server sidecar is the injector's listener layout (15006 ssl_preread dispatch → 15443 mTLS / 15080 plain, PROXY
// protocol, real IP from it) with `weft-inbound` as the certificate chosen by SNI and the client CA. Everything on
// loopback, ephemeral ports.

const NGINX = '/usr/sbin/nginx';
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
const DOMAIN = 'cluster.local';
const REVIEWS = meshServerName('reviews', 'default', 9080, DOMAIN);
const RATINGS = meshServerName('ratings', 'default', 9080, DOMAIN);
/** The client pod's address as the PROXY header carries it (the TCP peer of 15443/15080 is the stream server). */
const CLIENT_IP = '127.0.0.2';
const OUTSIDE_IP = '127.0.0.3';

interface Svid {
  readonly chain: string;
  readonly key: string;
}

async function issue(ca: CertificateAuthority, serviceAccount: string, dnsNames: readonly string[]): Promise<Svid> {
  const keys = await generateKeyPair();
  const spiffeId = { trustDomain: ca.trustDomain, namespace: 'default', serviceAccount };
  const svid = await ca.issueSvid({ csrPem: await createCsr({ keys, spiffeId }), spiffeId, dnsNames });
  return { chain: svid.chainPem, key: await exportPrivateKeyPem(keys.privateKey) };
}

/** The nginx process-wide settings every config here shares: foreground, one process, files in its own folder. */
function main(dir: string, body: string, stream = false): string {
  return [
    ...(stream ? [`load_module ${STREAM_MODULE};`] : []),
    'daemon off;',
    'master_process off;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log info;`,
    'events { worker_connections 64; }',
    body,
  ].join('\n');
}

function httpBlock(dir: string, servers: string): string {
  return `http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  # APISIX: nginx_config.http.real_ip_header / real_ip_from (the injector's config.yaml).
  real_ip_header proxy_protocol;
  set_real_ip_from 127.0.0.1;
${servers}
}`;
}

/** What the app echoes: the request as it arrived behind the server sidecar. */
interface Echo {
  readonly host: string;
  readonly path: string;
  readonly forwardedFor: string;
  readonly listener: string;
  readonly clientVerify: string;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

function get(port: number, path: string, headers: Record<string, string>, localAddress = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => {
      resolve(false);
    });
  });
}

const header = (headers: IncomingHttpHeaders, name: string): string => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
};

let dir: string;
let app: Server;
const appRequests: string[] = [];
const nginx: ServerProcess[] = [];
let ports: { app: number; inbound: number; tls: number; plain: number; outbound: number; impostor: number; foreign: number };
let server: ServerProcess;
let client: ServerProcess;

async function startNginx(name: string, config: string, listens: readonly number[]): Promise<ServerProcess> {
  const folder = join(dir, name);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'nginx.conf'), config);
  const started = startServerProcess({ name: `nginx (${name})`, bin: NGINX, args: ['-p', folder, '-c', join(folder, 'nginx.conf'), '-e', join(folder, 'error.log')], logFile: join(folder, 'stdout.log') });
  nginx.push(started);
  for (const port of listens) await waitFor(`nginx (${name}) on port ${port}`, () => listening(port), { check: () => { started.assertRunning(); }, timeoutMs: 15_000 });
  return started;
}

const errorLog = (name: string): string => {
  const path = join(dir, name, 'error.log');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
};

/** Through the client sidecar: the app's plain HTTP to the Service, as iptables hands it to APISIX's 15001. */
const viaClient = (path: string): Promise<Answer> => get(ports.outbound, path, { host: 'reviews.default.svc.cluster.local:9080' });

beforeAll(async () => {
  dir = makeTempDir('mesh-mtls-nginx');
  app = createServer((req, res) => {
    appRequests.push(req.url ?? '');
    const echo: Echo = {
      host: header(req.headers, 'host'),
      path: req.url ?? '',
      forwardedFor: header(req.headers, 'x-forwarded-for'),
      listener: header(req.headers, 'x-weft-listener'),
      clientVerify: header(req.headers, 'x-client-verify'),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const address = app.address();
  if (address === null || typeof address === 'string') throw new Error('the app has no port');
  ports = { app: address.port, inbound: await freePort(), tls: await freePort(), plain: await freePort(), outbound: await freePort(), impostor: await freePort(), foreign: await freePort() };

  // Weft's CA, and another trust domain's.
  const ca = await createSelfSignedRoot({ trustDomain: DOMAIN });
  const otherCa = await createSelfSignedRoot({ trustDomain: 'other.example' });
  const files: Record<string, string> = {};
  const put = async (name: string, text: string): Promise<string> => {
    const path = join(dir, 'certs', name);
    await mkdir(join(dir, 'certs'), { recursive: true });
    await writeFile(path, text, { mode: 0o600 });
    files[name] = path;
    return path;
  };
  const bundle = await put('trust-bundle.pem', ca.trustBundle.roots.map((root) => root.pem).join(''));
  for (const [name, svid] of Object.entries({
    web: await issue(ca, 'web', []),
    reviews: await issue(ca, 'reviews', [REVIEWS]),
    ratings: await issue(ca, 'ratings', [RATINGS]),
    'foreign-reviews': await issue(otherCa, 'reviews', [REVIEWS]),
    'foreign-web': await issue(otherCa, 'web', []),
  })) {
    await put(`${name}.pem`, svid.chain);
    await put(`${name}.key`, svid.key);
  }
  const cert = (name: string): string => files[`${name}.pem`] ?? '';
  const key = (name: string): string => files[`${name}.key`] ?? '';

  // The server sidecar of a reviews pod.
  const appLocation = (listener: string) => `    location / {
      # route in.9080 → 127.0.0.1:9080 with pass_host pass: the app sees the Host the client sidecar sent.
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Weft-Listener ${listener};
      proxy_set_header X-Client-Verify $ssl_client_verify;
      proxy_pass http://127.0.0.1:${ports.app};
    }`;
  const serverFolder = join(dir, 'server');
  server = await startNginx(
    'server',
    main(
      serverFolder,
      `stream {
  # The injector's stream_configuration_snippet (apisix-config.ts), on loopback.
  map $ssl_preread_protocol $weft_inbound_listener {
    "" 127.0.0.1:${ports.plain};
    default 127.0.0.1:${ports.tls};
  }
  server {
    listen 127.0.0.1:${ports.inbound};
    ssl_preread on;
    proxy_protocol on;
    proxy_pass $weft_inbound_listener;
  }
}
${httpBlock(
  serverFolder,
  `  # An SNI no ssl object matches: APISIX aborts the handshake in ssl_client_hello.
  server {
    listen 127.0.0.1:${ports.tls} ssl proxy_protocol default_server;
    ssl_reject_handshake on;
  }
  # ssl weft-inbound: snis = the SVID's mesh names, client.ca = the trust bundle, client.depth 2.
  server {
    listen 127.0.0.1:${ports.tls} ssl proxy_protocol;
    server_name ${REVIEWS};
    ssl_certificate ${cert('reviews')};
    ssl_certificate_key ${key('reviews')};
    ssl_verify_client on;
    ssl_client_certificate ${bundle};
    ssl_verify_depth 2;
${appLocation('tls')}
  }
  # apisix.proxy_protocol.listen_http_port: plaintext from outside the mesh (PERMISSIVE).
  server {
    listen 127.0.0.1:${ports.plain} proxy_protocol;
${appLocation('plain')}
  }`,
)}`,
      true,
    ),
    [ports.inbound, ports.tls, ports.plain],
  );

  // Servers that must not be trusted for reviews: a mesh pod of another Service answering for reviews' name, and a
  // server of another trust domain with the right name.
  const rogueFolder = join(dir, 'rogue');
  await startNginx(
    'rogue',
    main(
      rogueFolder,
      httpBlock(
        rogueFolder,
        `  server {
    listen 127.0.0.1:${ports.impostor} ssl;
    ssl_certificate ${cert('ratings')};
    ssl_certificate_key ${key('ratings')};
    location / { return 200 "impostor\\n"; }
  }
  server {
    listen 127.0.0.1:${ports.foreign} ssl;
    ssl_certificate ${cert('foreign-reviews')};
    ssl_certificate_key ${key('foreign-reviews')};
    location / { return 200 "foreign\\n"; }
  }`,
      ),
    ),
    [ports.impostor, ports.foreign],
  );

  // The client sidecar (a web pod): one location per upstream under test.
  const upstream = (path: string, options: { name: string; port: number; svid?: string }) => `    location ${path} {
      # upstream: scheme https, pass_host rewrite, upstream_host = the mesh name; tls.client_cert_id ${MESH_SSL_IDS.outbound}.
      set $upstream_host ${options.name};
      proxy_set_header Host $upstream_host;
      # One nginx plays several client pods here, each with its own identity: no TLS session may pass between them.
      proxy_ssl_session_reuse off;
${options.svid === undefined ? '' : `      proxy_ssl_certificate ${cert(options.svid)};\n      proxy_ssl_certificate_key ${key(options.svid)};\n`}      proxy_bind ${CLIENT_IP};
      proxy_pass https://127.0.0.1:${options.port};
    }`;
  const clientFolder = join(dir, 'client');
  client = await startNginx(
    'client',
    main(
      clientFolder,
      httpBlock(
        clientFolder,
        `  server {
    listen 127.0.0.1:${ports.outbound};
    # apisix.ssl.ssl_trusted_certificate → proxy_ssl_trusted_certificate (APISIX's template).
    proxy_ssl_trusted_certificate ${bundle};
    # The injector's http_server_configuration_snippet.
    proxy_ssl_verify on;
    proxy_ssl_verify_depth 3;
    # APISIX's template (nginx_config.http.proxy_ssl_server_name, on by default).
    proxy_ssl_name $upstream_host;
    proxy_ssl_server_name on;
${upstream('/reviews/', { name: REVIEWS, port: ports.inbound, svid: 'web' })}
${upstream('/impostor/', { name: REVIEWS, port: ports.impostor, svid: 'web' })}
${upstream('/foreign-server/', { name: REVIEWS, port: ports.foreign, svid: 'web' })}
${upstream('/foreign-client/', { name: REVIEWS, port: ports.inbound, svid: 'foreign-web' })}
${upstream('/no-client-cert/', { name: REVIEWS, port: ports.inbound })}
${upstream('/unserved-name/', { name: RATINGS, port: ports.inbound, svid: 'web' })}
  }`,
      ),
    ),
    [ports.outbound],
  );
}, 60_000);

afterAll(async () => {
  if (process.env['WEFT_KEEP_NGINX_LOGS'] !== undefined) process.stdout.write(`client: ${errorLog('client')}\nserver: ${errorLog('server')}\n`);
  await Promise.all(nginx.map((n) => n.stop()));
  await new Promise<void>((resolve) => {
    app.close(() => {
      resolve();
    });
  });
  removeTempDir(dir);
});

describe('mesh mTLS on real nginx', () => {
  it('mesh mtls - a client sidecar with a mesh SVID reaches the app through 15006 → 15443; the app sees the mesh name as Host and the client pod’s address', async () => {
    const answer = await viaClient('/reviews/details?x=1');
    expect(answer.status).toBe(200);
    const echo = JSON.parse(answer.body) as Echo;
    expect(echo).toEqual({ host: REVIEWS, path: '/reviews/details?x=1', forwardedFor: CLIENT_IP, listener: 'tls', clientVerify: 'SUCCESS' });
  });

  it('mesh mtls - a valid SVID of another Service (another mesh name) is refused by the client: 502, name mismatch in the log', async () => {
    const before = appRequests.length;
    const answer = await viaClient('/impostor/');
    expect(answer.status).toBe(502);
    expect(answer.body).not.toContain('impostor');
    expect(errorLog('client')).toContain(`upstream SSL certificate does not match "${REVIEWS}"`);
    expect(appRequests.length).toBe(before);
  });

  it('mesh mtls - a server certificate of another trust domain with the right name: 502, chain not trusted', async () => {
    const answer = await viaClient('/foreign-server/');
    expect(answer.status).toBe(502);
    expect(answer.body).not.toContain('foreign');
    expect(errorLog('client')).toMatch(/upstream SSL certificate verify error: \(\d+:unable to (get local issuer certificate|verify the first certificate)\)/);
  });

  it('mesh mtls - a client certificate of another trust domain is refused by the server sidecar; the app is not reached', async () => {
    const before = appRequests.length;
    const answer = await viaClient('/foreign-client/');
    // Stock nginx answers 400 after the handshake; APISIX-Runtime (verify_client with reject_in_handshake) aborts
    // the handshake instead, which the client sees as 502. Either way the request goes no further.
    expect(answer.status).toBe(400);
    expect(errorLog('server')).toMatch(/client SSL certificate verify error: \(\d+:unable to (get local issuer certificate|verify the first certificate)\)/);
    expect(appRequests.length).toBe(before);
  });

  it('mesh mtls - no client certificate on the mTLS listener is refused; the app is not reached', async () => {
    const before = appRequests.length;
    const answer = await viaClient('/no-client-cert/');
    expect(answer.status).toBe(400);
    expect(errorLog('server')).toContain('client sent no required SSL certificate');
    expect(appRequests.length).toBe(before);
  });

  it('mesh mtls - an SNI the server sidecar holds no certificate for ends the handshake: 502', async () => {
    const before = appRequests.length;
    const answer = await viaClient('/unserved-name/');
    expect(answer.status).toBe(502);
    expect(appRequests.length).toBe(before);
  });

  it('mesh mtls - plaintext to 15006 reaches the plain listener (PERMISSIVE) with the caller’s own address', async () => {
    const answer = await get(ports.inbound, '/plain', { host: 'reviews.default:9080' }, OUTSIDE_IP);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ host: 'reviews.default', path: '/plain', forwardedFor: OUTSIDE_IP, listener: 'plain', clientVerify: '' });
    server.assertRunning();
    client.assertRunning();
  });
});
