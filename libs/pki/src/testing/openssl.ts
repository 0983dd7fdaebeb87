// Helpers for tests that check this library's output with the real openssl CLI.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL = '/usr/bin/openssl';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs openssl in `cwd`; never throws on a non-zero exit, the caller asserts on `code`. */
export function openssl(args: readonly string[], cwd: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(OPENSSL, args, { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`openssl could not run: ${error.message}`, { cause: error }));
        return;
      }
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

/** openssl, failing the test with its stderr when it exits non-zero. */
export async function opensslOk(args: readonly string[], cwd: string): Promise<string> {
  const result = await openssl(args, cwd);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** A temporary directory for one test file; `remove()` in afterAll. */
export interface TempDir {
  readonly path: string;
  write(name: string, content: string): Promise<string>;
  read(name: string): Promise<string>;
  remove(): Promise<void>;
}

export async function makeTempDir(prefix = 'weft-pki-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    async write(name, content) {
      const file = join(path, name);
      await writeFile(file, content);
      return file;
    },
    read: (name) => readFile(join(path, name), 'utf8'),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

const DAY_MS = 86_400_000;

function generalizedTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * A root and an intermediate CA (valid from 30 days ago for a year) made with the openssl CLI alone (P-256, SEC1 "EC PRIVATE KEY"), laid out like
 * Istio's `cacerts` Secret: an independent check that a CA not made by this library loads and signs.
 */
export async function opensslIntermediateCa(dir: TempDir, name: string): Promise<{
  caCert: string;
  caKey: string;
  certChain: string;
  rootCert: string;
  rootKey: string;
}> {
  const cwd = dir.path;
  const rootKey = `${name}-root.key`;
  const rootCert = `${name}-root.crt`;
  const caKey = `${name}-ca.key`;
  const caCsr = `${name}-ca.csr`;
  const caCert = `${name}-ca.crt`;
  // `openssl ca` rather than `x509 -req` so the intermediate can start in the past (tests issue SVIDs "earlier").
  const config = await dir.write(
    `${name}-ca.cnf`,
    [
      '[ca]',
      'default_ca = weft_test',
      '[weft_test]',
      `database = ${name}-index.txt`,
      'new_certs_dir = .',
      `serial = ${name}-serial`,
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      'copy_extensions = none',
      '[policy_any]',
      'organizationName = optional',
      'commonName = supplied',
      '[v3_intermediate]',
      'basicConstraints = critical,CA:TRUE,pathlen:0',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '',
    ].join('\n'),
  );
  await dir.write(`${name}-index.txt`, '');
  await dir.write(`${name}-serial`, '1000\n');
  await opensslOk(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', rootKey], cwd);
  await opensslOk(
    [
      'req', '-x509', '-new', '-key', rootKey, '-sha256', '-days', '3650', '-subj', `/O=${name}/CN=${name} root`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-out', rootCert,
    ],
    cwd,
  );
  await opensslOk(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey], cwd);
  await opensslOk(['req', '-new', '-key', caKey, '-subj', `/O=${name}/CN=${name} intermediate`, '-out', caCsr], cwd);
  await opensslOk(
    [
      'ca', '-batch', '-notext', '-config', config, '-cert', rootCert, '-keyfile', rootKey, '-in', caCsr,
      '-out', caCert, '-extensions', 'v3_intermediate',
      '-startdate', generalizedTime(Date.now() - 30 * DAY_MS), '-enddate', generalizedTime(Date.now() + 365 * DAY_MS),
    ],
    cwd,
  );
  const caPem = await dir.read(caCert);
  const rootPem = await dir.read(rootCert);
  return {
    caCert: caPem,
    caKey: await dir.read(caKey),
    certChain: caPem + rootPem,
    rootCert: rootPem,
    rootKey: await dir.read(rootKey),
  };
}
