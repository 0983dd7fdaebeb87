import { execFile } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { REPO_ROOT, SERVICE_ACCOUNT_ISSUER } from '../harness/index.js';
import type { Cluster } from '../harness/index.js';

// Helpers of certificate-service.test.ts: a gRPC client built from the published weft-ca.proto (what any third-party
// agent would do), ServiceAccount tokens from the real API server, and openssl for CSRs and checks.

/** The certificate service's name in its serving certificate (the default --ca-service in namespace weft-system). */
export const CA_SERVER_NAME = 'weft-control-plane.weft-system.svc';

export interface CaAnswer {
  readonly cert_chain: string[];
  readonly trust_bundle: string[];
}

/** A refused call: the gRPC status name and the service's message. */
export class CaCallError extends Error {
  override readonly name = 'CaCallError';
  constructor(
    readonly code: string,
    readonly details: string,
  ) {
    super(`${code}: ${details}`);
  }
}

type Call = (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, res?: CaAnswer) => void) => void;

/** A client of WeftCertificateService at 127.0.0.1:port, trusting `rootsPem`, checking `serverName` (CA_SERVER_NAME). */
export class CaTestClient {
  readonly #client: grpc.Client;

  constructor(port: number, rootsPem: string, serverName = CA_SERVER_NAME) {
    const definition = protoLoader.loadSync(join(REPO_ROOT, 'libs/pki/src/service/weft-ca.proto'), { keepCase: true, longs: Number, defaults: true });
    const Client = grpc.makeGenericClientConstructor(definition['weft.ca.v1.WeftCertificateService'] as grpc.ServiceDefinition, 'WeftCertificateService');
    this.#client = new Client(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(rootsPem)), { 'grpc.ssl_target_name_override': serverName });
  }

  /** Resolves the answer, or rejects with `{ code, details }`. An empty token sends no authorization metadata. */
  ask(token: string, csr: string, validitySeconds = 0): Promise<CaAnswer> {
    const metadata = new grpc.Metadata();
    if (token !== '') metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve, reject) => {
      (this.#client as unknown as { CreateCertificate: Call }).CreateCertificate({ csr, validity_duration: validitySeconds }, metadata, { deadline: Date.now() + 20_000 }, (err, res) => {
        if (err === null && res !== undefined) resolve(res);
        else reject(new CaCallError(err === null ? 'NO_ANSWER' : grpc.status[err.code], err?.details ?? ''));
      });
    });
  }

  /** The refusal's code and message (as a plain object, for toEqual); throws if the call succeeded. */
  async refusal(token: string, csr: string, validitySeconds = 0): Promise<{ code: string; details: string }> {
    try {
      await this.ask(token, csr, validitySeconds);
    } catch (err) {
      if (!(err instanceof CaCallError)) throw err;
      return { code: err.code, details: err.details };
    }
    throw new Error('the certificate service issued a certificate it should have refused');
  }

  close(): void {
    this.#client.close();
  }
}

/** A projected-style token for `namespace/serviceAccount` from the API server's TokenRequest. */
export async function requestToken(cluster: Cluster, namespace: string, serviceAccount: string, audiences: readonly string[] = ['weft']): Promise<string> {
  const out = await cluster.kubectl(['create', 'token', serviceAccount, '-n', namespace, `--audience=${audiences.join(',')}`, '--duration=1h']);
  return out.trim();
}

/**
 * A token signed with the cluster's real ServiceAccount signing key, as the API server would make it, but with the
 * given expiry: the way to get a genuinely expired token (TokenRequest refuses lifetimes under 10 minutes).
 */
export async function signedToken(cluster: Cluster, namespace: string, serviceAccount: string, expSeconds: number): Promise<string> {
  const sa = JSON.parse(await cluster.kubectl(['get', 'serviceaccount', serviceAccount, '-n', namespace, '-o', 'json'])) as { metadata: { uid: string } };
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = part({ alg: 'ES256', typ: 'JWT' });
  const claims = part({
    aud: ['weft'],
    exp: expSeconds,
    iat: Math.min(now, expSeconds - 600),
    nbf: Math.min(now, expSeconds - 600),
    iss: SERVICE_ACCOUNT_ISSUER,
    sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
    'kubernetes.io': { namespace, serviceaccount: { name: serviceAccount, uid: sa.metadata.uid } },
  });
  const key = createPrivateKey(cluster.certificates.serviceAccountKeyPem);
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `${header}.${claims}.${signature}`;
}

/** One changed claim under the original signature. */
export function forgedToken(token: string, sub: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims['sub'] = sub;
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

export interface OpensslRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A scratch folder where openssl runs. */
export class OpensslDir {
  private constructor(readonly path: string) {}

  static async create(): Promise<OpensslDir> {
    return new OpensslDir(await mkdtemp(join(tmpdir(), 'weft-e2e-ca-')));
  }

  /** Runs openssl here; `input` is written to its stdin, which is then closed (s_client waits for it). */
  run(args: readonly string[], input?: string): Promise<OpensslRun> {
    return new Promise((resolve, reject) => {
      const child = execFile('openssl', args, { cwd: this.path, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') reject(new Error(`openssl could not run: ${error.message}`, { cause: error }));
        else resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      });
      child.stdin?.end(input ?? '');
    });
  }

  async ok(args: readonly string[], input?: string): Promise<string> {
    const result = await this.run(args, input);
    if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  write(name: string, text: string): Promise<void> {
    return writeFile(join(this.path, name), text);
  }

  read(name: string): Promise<string> {
    return readFile(join(this.path, name), 'utf8');
  }

  /**
   * A CSR made by openssl alone: `key` is "p256", "p384" or "rsa"; `sans` goes into subjectAltName as given
   * (e.g. "URI:spiffe://…,DNS:x"). Returns the PEM.
   */
  async csr(name: string, key: 'p256' | 'p384' | 'rsa', sans: string): Promise<string> {
    const keyFile = `${name}.key`;
    if (key === 'rsa') await this.ok(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile]);
    else await this.ok(['ecparam', '-name', key === 'p256' ? 'prime256v1' : 'secp384r1', '-genkey', '-noout', '-out', keyFile]);
    await this.write(`${name}.cnf`, `[req]\ndistinguished_name = dn\nreq_extensions = ext\nprompt = no\n[dn]\n[ext]\nsubjectAltName = critical,${sans}\n`);
    await this.ok(['req', '-new', '-key', keyFile, '-config', `${name}.cnf`, '-subj', '/', '-out', `${name}.csr`]);
    return this.read(`${name}.csr`);
  }

  /**
   * A user's CA made by openssl alone, in the cacerts layout: a root, and under it the intermediate that signs
   * (ca.crt, ca.key), cert-chain.pem = intermediate + root, root-cert.pem = root.
   */
  async intermediateCa(name: string): Promise<{ 'ca.crt': string; 'ca.key': string; 'cert-chain.pem': string; 'root-cert.pem': string }> {
    await this.ok(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}-root.key`]);
    await this.ok(['req', '-x509', '-new', '-key', `${name}-root.key`, '-sha256', '-days', '30', '-subj', `/O=${name}/CN=${name} root`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', `${name}-root.crt`]);
    await this.ok(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}-ca.key`]);
    await this.ok(['req', '-new', '-key', `${name}-ca.key`, '-subj', `/O=${name}/CN=${name} intermediate`, '-out', `${name}-ca.csr`]);
    await this.write(`${name}-ca.ext`, 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    await this.ok(['x509', '-req', '-in', `${name}-ca.csr`, '-CA', `${name}-root.crt`, '-CAkey', `${name}-root.key`, '-CAcreateserial', '-days', '20', '-sha256', '-extfile', `${name}-ca.ext`, '-out', `${name}-ca.crt`]);
    const ca = await this.read(`${name}-ca.crt`);
    const root = await this.read(`${name}-root.crt`);
    return { 'ca.crt': ca, 'ca.key': await this.read(`${name}-ca.key`), 'cert-chain.pem': ca + root, 'root-cert.pem': root };
  }

  remove(): Promise<void> {
    return rm(this.path, { recursive: true, force: true });
  }
}
