import { readFile } from 'node:fs/promises';
import { inboxPrefixOf } from '@weft/bus';
import type { BusConnectOptions, BusTlsOptions } from '@weft/bus';
import { spiffeIdOfCertificate } from '@weft/pki';
import type { AgentConfig } from './config.js';
import type { SvidSource } from './identity/svid-source.js';

/** The agent's NATS connection settings that depend on who it is: TLS, client certificate, inbox prefix. */
export type NatsIdentityOptions = Pick<BusConnectOptions, 'tls' | 'inboxPrefix' | 'reconnectOnPermissionViolation'>;

/**
 * How the agent proves itself to NATS:
 * - `--nats-client-svid`: its SVID, read from the source at every (re)connect, so connections made after a rotation
 *   present the new certificate (the key never leaves memory);
 * - `--nats-cert`/`--nats-key`: certificate files;
 * - neither: no client certificate (TLS only with `--nats-ca`).
 * With a client certificate that carries a SPIFFE ID, the inboxes are that identity's (`inboxPrefixOf`), the only
 * ones the control plane's auth callout lets it subscribe to, and a refused subject makes it reconnect to pick up
 * permissions granted since (a newly assigned scope).
 */
export async function natsIdentityOptions(config: AgentConfig, svids: SvidSource | undefined): Promise<NatsIdentityOptions> {
  const ca: BusTlsOptions = config.natsCa === '' ? {} : { caFile: config.natsCa };
  if (config.natsClientSvid && svids !== undefined) {
    const tls: BusTlsOptions = {
      ...ca,
      clientCertificate: () => {
        const svid = svids.current;
        return svid === undefined ? undefined : { cert: svid.chainPem, key: svid.privateKeyPem };
      },
    };
    return { tls, inboxPrefix: inboxPrefixOf(svids.spiffeId), reconnectOnPermissionViolation: true };
  }
  if (config.natsCert !== '') {
    const tls: BusTlsOptions = { ...ca, certFile: config.natsCert, ...(config.natsKey === '' ? {} : { keyFile: config.natsKey }) };
    const spiffeId = await spiffeIdOfFile(config.natsCert);
    return spiffeId === undefined ? { tls } : { tls, inboxPrefix: inboxPrefixOf(spiffeId), reconnectOnPermissionViolation: true };
  }
  return config.natsCa === '' ? {} : { tls: ca };
}

/** The SPIFFE ID of a certificate file's leaf, or undefined when it has none (a plain client certificate). */
async function spiffeIdOfFile(path: string): Promise<string | undefined> {
  try {
    return spiffeIdOfCertificate(await readFile(path, 'utf8')).uri;
  } catch {
    return undefined;
  }
}
