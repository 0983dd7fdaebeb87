import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mkdir } from 'node:fs/promises';

/**
 * The trust bundle file APISIX's nginx reads (apisix.ssl.ssl_trusted_certificate): written whole to a temporary
 * name and renamed over the old one, so nginx never reads half of it; rewritten only when the content changes.
 * Certificates are public: 0644, readable by APISIX's user.
 *
 * nginx verifies every upstream against this one file (proxy_ssl_verify is global), so `extraPem` — the public CA
 * roots, by default — follows the mesh roots: an ExternalName https Service is then verified as a browser would.
 * It weakens no mesh check: a mesh name (`<port>.<svc>.<ns>.svc.<cluster domain>`) is an internal name no public
 * CA may issue for, so only the mesh roots can vouch for one.
 */
export class TrustBundleFile {
  readonly path: string;
  readonly #extraPem: string;
  #written: string | undefined;

  constructor(path: string, extraPem = '') {
    this.path = path;
    this.#extraPem = extraPem === '' || extraPem.endsWith('\n') ? extraPem : `${extraPem}\n`;
  }

  /** The content last written, if any. */
  get content(): string | undefined {
    return this.#written;
  }

  /** Writes `pem` (then the extra roots) unless that is what the file already holds; true when written. */
  async write(meshPem: string): Promise<boolean> {
    const pem = this.#extraPem === '' ? meshPem : `${meshPem}${meshPem === '' || meshPem.endsWith('\n') ? '' : '\n'}${this.#extraPem}`;
    if (pem === this.#written) return false;
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = join(dirname(this.path), `.${Date.now().toString(36)}-${process.pid}.trust-bundle.tmp`);
    await writeFile(temporary, pem, { mode: 0o644 });
    await rename(temporary, this.path);
    this.#written = pem;
    return true;
  }
}
