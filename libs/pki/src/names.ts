// Kubernetes and DNS name rules (RFC 1123 as Kubernetes applies them), shared by SPIFFE IDs and DNS SANs.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes namespace name: an RFC 1123 label, at most 63 characters. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** A Kubernetes object name such as a ServiceAccount's: an RFC 1123 subdomain, at most 253 characters. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length > 0 && value.length <= 253 && value.split('.').every(isDns1123Label);
}

/** A DNS name the CA may put in a SAN: a lowercase subdomain, no wildcard, no trailing dot. */
export function isDnsName(value: string): boolean {
  return isDns1123Subdomain(value);
}
