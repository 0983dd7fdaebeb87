import type { NodeConnectionOptions } from '@nats-io/transport-node';

/** A client certificate and its key, PEM. */
export interface ClientCertificate {
  readonly cert: string;
  readonly key: string;
}

export interface BusTlsOptions {
  /** PEM text, or the file paths below. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /**
   * The client certificate to present, asked for at every connection and reconnection (e.g. the agent's current
   * SVID, held in memory and rotated): a connection made after a rotation presents the new one. Takes precedence
   * over `cert`/`key`; undefined: none.
   */
  readonly clientCertificate?: () => ClientCertificate | undefined;
}

/**
 * The TLS options NATS.js gets. NATS.js copies this object's own enumerable properties into `tls.connect` options at
 * each (re)connect, so the client certificate is exposed through getters that call `clientCertificate` every time.
 */
export function natsTlsOptions(tls: BusTlsOptions): NonNullable<NodeConnectionOptions['tls']> {
  const { clientCertificate, ...fixed } = tls;
  if (clientCertificate === undefined) return { ...fixed };
  const { cert: _cert, key: _key, certFile: _certFile, keyFile: _keyFile, ...rest } = fixed;
  const options: Record<string, unknown> = { ...rest };
  Object.defineProperty(options, 'cert', { enumerable: true, get: () => clientCertificate()?.cert });
  Object.defineProperty(options, 'key', { enumerable: true, get: () => clientCertificate()?.key });
  return options;
}
