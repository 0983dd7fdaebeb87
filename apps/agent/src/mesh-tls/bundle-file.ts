import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mkdir } from 'node:fs/promises';

/**
 * The trust bundle file APISIX's nginx reads (apisix.ssl.ssl_trusted_certificate): written whole to a temporary
 * name and renamed over the old one, so nginx never reads half of it; rewritten only when the content changes.
 * Certificates are public: 0644, readable by APISIX's user.
 */
export class TrustBundleFile {
  readonly path: string;
  #written: string | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** The content last written, if any. */
  get content(): string | undefined {
    return this.#written;
  }

  /** Writes `pem` unless it is what the file already holds; true when written. */
  async write(pem: string): Promise<boolean> {
    if (pem === this.#written) return false;
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = join(dirname(this.path), `.${Date.now().toString(36)}-${process.pid}.trust-bundle.tmp`);
    await writeFile(temporary, pem, { mode: 0o644 });
    await rename(temporary, this.path);
    this.#written = pem;
    return true;
  }
}
