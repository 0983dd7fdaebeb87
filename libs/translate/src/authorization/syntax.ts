/**
 * Syntax checks of MeshAuthorization values. The CRD's schema refuses what is plainly wrong; these are the full
 * checks, for policies the API server did not see (a folder of manifests) and for what CEL does not express.
 * Each returns a problem text, or undefined when the value is fine.
 */

const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const PATH_SEGMENT = /^[a-zA-Z0-9._-]+$/;
const PARTIAL_SEGMENT = /^[a-zA-Z0-9._-]*$/;
const MAX_SPIFFE_ID = 2048;
const MAX_TRUST_DOMAIN = 255;

/** A principal: an exact SPIFFE ID or one ending in `*` (a prefix), as the SPIFFE spec defines the ID. */
export type Principal = { readonly kind: 'exact'; readonly id: string } | { readonly kind: 'prefix'; readonly prefix: string };

export function parsePrincipal(text: string): Principal | string {
  if (!text.startsWith('spiffe://')) return `principal "${text}": must be a SPIFFE ID, spiffe://<trust-domain>/<path>`;
  if (text.length > MAX_SPIFFE_ID) return `principal "${text.slice(0, 64)}…": longer than ${MAX_SPIFFE_ID} characters`;
  const wildcard = text.endsWith('*');
  const body = wildcard ? text.slice(0, -1) : text;
  if (body.includes('*')) return `principal "${text}": '*' may only end a principal (a prefix wildcard)`;
  const rest = body.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  if (wildcard && slash === -1) {
    // A wildcard inside the trust domain would admit other trust domains (`spiffe://corp*` matches `spiffe://corp.evil`).
    return `principal "${text}": a wildcard must follow a whole trust domain and '/', e.g. spiffe://${trustDomain || 'cluster.local'}/*`;
  }
  const domainProblem = checkTrustDomain(trustDomain);
  if (domainProblem !== undefined) return `principal "${text}": ${domainProblem}`;
  if (slash === -1) return { kind: 'exact', id: text };
  const segments = rest.slice(slash + 1).split('/');
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    const segment = segments[i] as string;
    // The last segment of a prefix may be partial (`…/sa/web-*`), even empty (`…/ns/shop/*`).
    if (wildcard && i === last) {
      if (!PARTIAL_SEGMENT.test(segment)) return `principal "${text}": path characters are letters, digits, '.', '-' and '_'`;
      continue;
    }
    if (segment === '') return `principal "${text}": the path has an empty segment (a '/' too many)`;
    if (segment === '.' || segment === '..') return `principal "${text}": path segments '.' and '..' are not allowed`;
    if (!PATH_SEGMENT.test(segment)) return `principal "${text}": path characters are letters, digits, '.', '-' and '_'`;
  }
  return wildcard ? { kind: 'prefix', prefix: body } : { kind: 'exact', id: text };
}

function checkTrustDomain(domain: string): string | undefined {
  if (domain === '') return 'the trust domain is empty';
  if (domain.length > MAX_TRUST_DOMAIN) return `the trust domain is longer than ${MAX_TRUST_DOMAIN} characters`;
  if (!TRUST_DOMAIN.test(domain)) return `trust domain "${domain}": only lowercase letters, digits, '.', '-' and '_' (no port, user or upper case)`;
  return undefined;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function checkNamespaceName(name: string): string | undefined {
  return name.length <= 63 && DNS_LABEL.test(name) ? undefined : `namespace "${name}": must be a DNS label (lowercase letters, digits and '-', at most 63)`;
}

/** A label key as Kubernetes accepts it: `[prefix/]name`. */
export function checkLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `label key "${key}": its prefix must be a DNS subdomain`;
  if (name.length > 63 || !LABEL_NAME.test(name)) return `label key "${key}": must be at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric`;
  return undefined;
}

export function checkLabelValue(key: string, value: string): string | undefined {
  if (value === '') return undefined;
  return value.length <= 63 && LABEL_NAME.test(value) ? undefined : `label "${key}" value "${value}": must be at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric`;
}

/** Methods the `to.methods` field admits (RFC 9110 plus PATCH), compared as nginx reports them (case-sensitive). */
export const HTTP_METHODS: readonly string[] = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'];

const MAX_PATH = 1024;

/**
 * A path condition is compared with nginx's `$uri`: decoded and normalised, without the query. A value that such a
 * path can never equal (a query, an escape, a `//`, a dot segment) is refused rather than left never to match.
 */
export function checkPath(value: string): string | undefined {
  if (!value.startsWith('/')) return `path "${value}": must start with '/'`;
  if (value.length > MAX_PATH) return `path "${value.slice(0, 64)}…": longer than ${MAX_PATH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(value)) return `path ${JSON.stringify(value)}: no spaces or control characters`;
  if (/\p{Cs}/u.test(value)) return `path ${JSON.stringify(value)}: not well-formed Unicode`;
  if (/[?#%]/.test(value)) return `path "${value}": is compared with the decoded request path without its query, so '?', '#' and '%' cannot match`;
  if (value.includes('//') || /\/\.\.?(\/|$)/.test(value)) return `path "${value}": '//', '/./' and '/../' never appear in the normalised request path`;
  return undefined;
}
