import { readFile } from 'node:fs/promises';
import type { Logger, Registry } from '@weft/telemetry';
import type { AgentConfig } from '../config.js';
import { CaClient } from './ca-client.js';
import { createIdentityMetrics } from './identity-metrics.js';
import { SvidSource } from './svid-source.js';
import { readTokenFile } from './token-file.js';

/** The agent's identity while it runs: the SVID source and how to stop it. */
export interface Identity {
  readonly source: SvidSource;
  close(): Promise<void>;
}

/** The CA root file could not be read. */
export class CaRootFileError extends Error {
  override readonly name = 'CaRootFileError';
}

/**
 * Starts obtaining and rotating this pod's SVID when --ca-address is set (undefined otherwise). The first SVID
 * arrives in the background; `source.onSvid` hears of every new one.
 */
export async function startIdentity(
  config: AgentConfig,
  deps: { readonly log: Logger; readonly registry: Registry; /** The mesh names the snapshot demands, asked for when --csr-mesh-names is on. */ readonly meshNames?: () => readonly string[] },
): Promise<Identity | undefined> {
  if (config.caAddress === '') return undefined;
  const log = deps.log.child({ part: 'identity' });
  let rootsPem: string;
  try {
    rootsPem = await readFile(config.caRootFile, 'utf8');
  } catch (err) {
    throw new CaRootFileError(`cannot read --ca-root-file ${config.caRootFile}: ${(err as Error).message}`, { cause: err });
  }
  const client = new CaClient({
    address: config.caAddress,
    rootsPem,
    ...(config.caServerName === '' ? {} : { serverName: config.caServerName }),
  });
  const validitySeconds = Math.round(config.svidLifetime / 1000);
  // The gauge reads the SVID the source holds; the source takes the metrics: tie them through this holder.
  const holder: { source?: SvidSource } = {};
  const metrics = createIdentityMetrics(deps.registry, () => holder.source?.current?.notAfter);
  const started = new SvidSource({
    spiffeId: { trustDomain: config.trustDomain, namespace: config.podNamespace, serviceAccount: config.serviceAccount },
    requestCertificate: async (csrPem) => client.createCertificate(csrPem, await readTokenFile(config.tokenFile), validitySeconds),
    ...(config.csrMeshNames && deps.meshNames !== undefined ? { dnsNames: deps.meshNames } : {}),
    log,
    metrics,
  });
  holder.source = started;
  log.info({ ca: config.caAddress, spiffeId: started.spiffeId, tokenFile: config.tokenFile, csrMeshNames: config.csrMeshNames }, 'obtaining the SVID');
  started.start();
  return {
    source: started,
    async close() {
      await started.stop();
      client.close();
    },
  };
}
