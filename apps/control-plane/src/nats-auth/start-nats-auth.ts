import { readFile } from 'node:fs/promises';
import { Counter } from 'prom-client';
import { busNames, createAgentAuthorizer, startAuthResponder } from '@weft/bus';
import type { AuthResponder, BusTlsOptions } from '@weft/bus';
import { spiffeIdOfCertificate } from '@weft/pki';
import type { Logger, Registry } from '@weft/telemetry';
import type { ControlPlaneConfig } from '../config.js';
import { grantIndexOf } from './grant-index.js';
import type { GrantSource } from './grant-index.js';

/** The TLS options of the control plane's NATS connections, or undefined without --nats-ca / --nats-cert. */
export function natsTlsOf(config: ControlPlaneConfig): BusTlsOptions | undefined {
  if (config.natsCa === '' && config.natsCert === '') return undefined;
  return {
    ...(config.natsCa === '' ? {} : { caFile: config.natsCa }),
    ...(config.natsCert === '' ? {} : { certFile: config.natsCert }),
    ...(config.natsKey === '' ? {} : { keyFile: config.natsKey }),
  };
}

/** The service user's credentials for the control plane's bus, when configured. */
export function natsUserOf(config: ControlPlaneConfig): { user: string; pass: string } | undefined {
  return config.natsUser === '' ? undefined : { user: config.natsUser, pass: config.natsPassword };
}

/**
 * Answers nats-server's auth callout when --nats-auth-issuer-seed-file is set (undefined otherwise): an agent's
 * connection is let in when its verified client certificate carries a SPIFFE ID of this trust domain, with the
 * permissions of that identity's pods in the last translation. Throws when the seed cannot be read or NATS refuses.
 */
export async function startNatsAuth(
  config: ControlPlaneConfig,
  deps: { readonly log: Logger; readonly registry: Registry; readonly source: GrantSource },
): Promise<AuthResponder | undefined> {
  if (config.natsAuthIssuerSeedFile === '') return undefined;
  const issuerSeed = await readFile(config.natsAuthIssuerSeedFile, 'utf8');
  const decisions = new Counter({
    name: 'weft_nats_auth_decisions_total',
    help: 'NATS auth callout answers: agent connections allowed (with their identity’s grant) or refused.',
    labelNames: ['result'] as const,
    registers: [deps.registry],
  });
  const tls = natsTlsOf(config);
  return startAuthResponder({
    servers: config.natsUrl.split(',').map((s) => s.trim()),
    user: config.natsAuthUser,
    pass: config.natsAuthPassword,
    ...(tls === undefined ? {} : { tls }),
    issuerSeed,
    authorize: createAgentAuthorizer({
      names: busNames(config.clusterId),
      account: config.natsAuthAccount,
      identityOf: (leafPem) => spiffeIdOfCertificate(leafPem, config.trustDomain),
      grants: grantIndexOf(deps.source),
      maxLifetimeMs: config.natsAuthMaxLifetime,
    }),
    onDecision: (decision) => {
      decisions.inc({ result: decision.allow ? 'allowed' : 'refused' });
    },
    logger: deps.log,
  });
}
