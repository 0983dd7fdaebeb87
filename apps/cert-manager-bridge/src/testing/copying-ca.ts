// A test signer that behaves like cert-manager's CA issuer: it certifies the CSR as it is (subject and extensions
// copied), with the openssl CLI and a root + intermediate made by openssl; or answers the way a denying approver, a
// failing issuer or a silent one would.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignerError } from '../cert-manager-signer.js';
import type { CsrSigner, SignedCertificate, SignRequest } from '../cert-manager-signer.js';

export type CopyingCaMode = 'issue' | 'issue-without-ca' | 'root-in-chain' | 'deny' | 'fail' | 'timeout' | 'unavailable';

function openssl(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`openssl ${args.join(' ')}: ${stderr || error.message}`));
    });
  });
}

export class CopyingCa implements CsrSigner {
  mode: CopyingCaMode = 'issue';
  /** Every request it was asked to sign. */
  readonly requests: SignRequest[] = [];
  #count = 0;

  private constructor(
    readonly dir: string,
    readonly rootPem: string,
    readonly intermediatePem: string,
  ) {}

  static async create(): Promise<CopyingCa> {
    const dir = await mkdtemp(join(tmpdir(), 'weft-bridge-ca-'));
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'root.key'], dir);
    await openssl(['req', '-x509', '-new', '-key', 'root.key', '-sha256', '-days', '30', '-subj', '/CN=test root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'root.crt'], dir);
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
    await openssl(['req', '-new', '-key', 'ca.key', '-subj', '/CN=test intermediate', '-out', 'ca.csr'], dir);
    await writeFile(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    await openssl(['x509', '-req', '-in', 'ca.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-CAcreateserial', '-days', '20', '-sha256', '-extfile', 'ca.ext', '-out', 'ca.crt'], dir);
    return new CopyingCa(dir, await readFile(join(dir, 'root.crt'), 'utf8'), await readFile(join(dir, 'ca.crt'), 'utf8'));
  }

  async sign(request: SignRequest): Promise<SignedCertificate> {
    this.requests.push(request);
    const requestName = `weft-svid-test${++this.#count}`;
    switch (this.mode) {
      case 'deny':
        throw new SignerError('denied', `cert-manager denied CertificateRequest ${requestName}: policy.cert-manager.io: no policy matched`);
      case 'fail':
        throw new SignerError('failed', `issuer Issuer/mesh failed CertificateRequest ${requestName}: Failed: the issuer broke`);
      case 'timeout':
        throw new SignerError('timeout', `cert-manager did not finish CertificateRequest weft-system/${requestName} within 30 s`);
      case 'unavailable':
        throw new SignerError('unavailable', 'cannot reach the API server to create a CertificateRequest');
      default:
        break;
    }
    const name = `req${this.#count}`;
    await writeFile(join(this.dir, `${name}.csr`), request.csrPem);
    const days = String(Math.max(1, Math.ceil(request.durationSeconds / 86_400)));
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', days, '-sha256', '-copy_extensions', 'copyall', '-out', `${name}.crt`], this.dir);
    const leaf = await readFile(join(this.dir, `${name}.crt`), 'utf8');
    return {
      certificatePem: leaf + this.intermediatePem + (this.mode === 'root-in-chain' ? this.rootPem : ''),
      caPem: this.mode === 'issue-without-ca' ? '' : this.rootPem,
      requestName,
    };
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}
