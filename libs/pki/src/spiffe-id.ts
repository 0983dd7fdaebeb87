import { SpiffeIdError } from './errors.js';
import { isDns1123Label, isDns1123Subdomain } from './names.js';

/** The parts of a Weft workload identity, `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`. */
export interface SpiffeIdParts {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** A validated workload identity with its canonical URI. */
export interface SpiffeId extends SpiffeIdParts {
  readonly uri: string;
}

const SCHEME = 'spiffe://';
// SPIFFE ID spec §2.1 and §2.2: the allowed characters of a trust domain and of a path segment.
const TRUST_DOMAIN_CHARS = /^[a-z0-9._-]+$/;
const PATH_SEGMENT_CHARS = /^[a-zA-Z0-9._-]+$/;
const MAX_URI_BYTES = 2048;
const MAX_TRUST_DOMAIN_LENGTH = 255;

/** Returns the trust domain if it is valid per the SPIFFE spec, or throws `SpiffeIdError`. */
export function validateTrustDomain(trustDomain: string): string {
  if (trustDomain.length === 0 || trustDomain.length > MAX_TRUST_DOMAIN_LENGTH) {
    throw new SpiffeIdError('bad-trust-domain', `trust domain must be 1-${MAX_TRUST_DOMAIN_LENGTH} characters`);
  }
  if (trustDomain.includes('@') || trustDomain.includes(':')) {
    throw new SpiffeIdError('userinfo-or-port', `trust domain "${trustDomain}" must not carry userinfo or a port`);
  }
  if (!TRUST_DOMAIN_CHARS.test(trustDomain)) {
    throw new SpiffeIdError(
      'bad-trust-domain',
      `trust domain "${trustDomain}" may only contain lowercase letters, digits, ".", "-" and "_"`,
    );
  }
  return trustDomain;
}

/** Parses and validates `spiffe://<td>/ns/<ns>/sa/<sa>`; throws `SpiffeIdError` naming what is wrong. */
export function parseSpiffeId(uri: string): SpiffeId {
  if (Buffer.byteLength(uri, 'utf8') > MAX_URI_BYTES) {
    throw new SpiffeIdError('too-long', `SPIFFE ID is longer than ${MAX_URI_BYTES} bytes`);
  }
  if (!uri.startsWith(SCHEME)) {
    throw new SpiffeIdError('bad-scheme', `"${uri}" is not a SPIFFE ID: it must start with "${SCHEME}"`);
  }
  if (uri.includes('?') || uri.includes('#')) {
    throw new SpiffeIdError('query-or-fragment', `SPIFFE ID "${uri}" must not have a query or fragment`);
  }
  const rest = uri.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const trustDomain = validateTrustDomain(slash === -1 ? rest : rest.slice(0, slash));
  const segments = slash === -1 ? [] : rest.slice(slash + 1).split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || !PATH_SEGMENT_CHARS.test(segment)) {
      throw new SpiffeIdError(
        'bad-path',
        `SPIFFE ID "${uri}" has a bad path: segments must be non-empty, not "." or "..", and only [A-Za-z0-9._-]`,
      );
    }
  }
  const [ns, namespace, sa, serviceAccount, ...extra] = segments;
  if (ns !== 'ns' || sa !== 'sa' || namespace === undefined || serviceAccount === undefined || extra.length > 0) {
    throw new SpiffeIdError('not-a-workload-path', `SPIFFE ID "${uri}" does not have the path /ns/<namespace>/sa/<name>`);
  }
  checkWorkloadNames(namespace, serviceAccount);
  return { trustDomain, namespace, serviceAccount, uri };
}

/** Formats a workload identity as its SPIFFE URI after validating each part. */
export function formatSpiffeId(parts: SpiffeIdParts): string {
  validateTrustDomain(parts.trustDomain);
  checkWorkloadNames(parts.namespace, parts.serviceAccount);
  return `${SCHEME}${parts.trustDomain}/ns/${parts.namespace}/sa/${parts.serviceAccount}`;
}

/** The validated identity object for the given parts. */
export function toSpiffeId(parts: SpiffeIdParts): SpiffeId {
  return parseSpiffeId(formatSpiffeId(parts));
}

function checkWorkloadNames(namespace: string, serviceAccount: string): void {
  if (!isDns1123Label(namespace)) {
    throw new SpiffeIdError('bad-namespace', `namespace "${namespace}" is not a DNS-1123 label`);
  }
  if (!isDns1123Subdomain(serviceAccount)) {
    throw new SpiffeIdError('bad-service-account', `service account "${serviceAccount}" is not a DNS-1123 subdomain`);
  }
}
