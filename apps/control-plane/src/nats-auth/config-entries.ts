import { entry, parsers } from '@weft/telemetry';

/**
 * How the control plane connects to NATS beyond the URL (TLS, its service user), and the NATS auth callout it
 * answers for agents (off unless --nats-auth-issuer-seed-file is set). Spread into the control plane's config.
 */
export const natsAuthConfig = {
  natsCa: entry({
    flag: 'nats-ca',
    env: 'WEFT_NATS_CA',
    default: '',
    description: 'PEM file of the CA that signs the NATS server certificate (enables TLS).',
    parse: parsers.string,
  }),
  natsCert: entry({
    flag: 'nats-cert',
    env: 'WEFT_NATS_CERT',
    default: '',
    description: 'PEM client certificate the control plane presents to NATS (required when nats-server verifies clients: TLS verify).',
    parse: parsers.string,
  }),
  natsKey: entry({ flag: 'nats-key', env: 'WEFT_NATS_KEY', default: '', description: 'PEM key of --nats-cert.', parse: parsers.string }),
  natsUser: entry({
    flag: 'nats-user',
    env: 'WEFT_NATS_USER',
    default: '',
    description: 'The control plane’s service user on NATS (full rights on the cluster’s subjects; listed in auth_callout.auth_users).',
    parse: parsers.string,
  }),
  natsPassword: entry({ flag: 'nats-password', env: 'WEFT_NATS_PASSWORD', default: '', description: 'Password of --nats-user (prefer the environment variable).', parse: parsers.string }),
  natsAuthIssuerSeedFile: entry({
    flag: 'nats-auth-issuer-seed-file',
    env: 'WEFT_NATS_AUTH_ISSUER_SEED_FILE',
    default: '',
    description:
      'File with the account nkey seed (SA…) whose public key is nats-server’s auth_callout.issuer. Set: the control plane answers the auth callout, giving each agent identity (SPIFFE ID of its verified client certificate) only its scopes and status.',
    parse: parsers.string,
  }),
  natsAuthUser: entry({
    flag: 'nats-auth-user',
    env: 'WEFT_NATS_AUTH_USER',
    default: 'weft-auth',
    description: 'User of the callout account (auth_callout.account) the responder connects as; listed in auth_callout.auth_users.',
    parse: parsers.nonEmpty,
  }),
  natsAuthPassword: entry({ flag: 'nats-auth-password', env: 'WEFT_NATS_AUTH_PASSWORD', default: '', description: 'Password of --nats-auth-user (prefer the environment variable).', parse: parsers.string }),
  natsAuthAccount: entry({
    flag: 'nats-auth-account',
    env: 'WEFT_NATS_AUTH_ACCOUNT',
    default: 'WEFT',
    description: 'The account agents are placed in: the one with JetStream and the cluster’s streams (where --nats-user lives).',
    parse: parsers.nonEmpty,
  }),
  natsAuthMaxLifetime: entry({
    flag: 'nats-auth-max-lifetime',
    env: 'WEFT_NATS_AUTH_MAX_LIFETIME',
    default: '1h',
    description: 'Longest an agent connection keeps the permissions it got (shorter if its certificate expires first); then it reconnects and asks again.',
    parse: parsers.duration,
  }),
};
