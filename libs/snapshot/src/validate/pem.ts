import type { Report } from './fields.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END ([A-Z0-9 ]+)-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]+$/;
const KEY_LABELS = new Set(['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY']);

/** Labels of the PEM blocks making up `text`, or undefined when it is not only PEM blocks (and whitespace). */
function pemLabels(text: string): string[] | undefined {
  const labels: string[] = [];
  let end = 0;
  for (const match of text.matchAll(BLOCK)) {
    const [whole, begin = '', body = '', finish = ''] = match;
    if (text.slice(end, match.index).trim() !== '') return undefined;
    if (begin !== finish || !BASE64_BODY.test(body) || body.trim() === '') return undefined;
    labels.push(begin);
    end = match.index + whole.length;
  }
  return text.slice(end).trim() === '' && labels.length > 0 ? labels : undefined;
}

export interface PemRule {
  readonly min: number;
  readonly max: number;
}

/** One or more `CERTIFICATE` blocks (a chain or a CA bundle). */
export function checkCertificatePem(report: Report, field: string, value: unknown, rule: PemRule): void {
  if (!checkLength(report, field, value, rule)) return;
  const labels = pemLabels(value);
  if (labels === undefined || labels.some((label) => label !== 'CERTIFICATE')) {
    report('invalid_value', field, 'must be PEM CERTIFICATE block(s)');
  }
}

/** One plain (unencrypted) PEM private key; APISIX would treat anything else as an encrypted blob. */
export function checkPrivateKeyPem(report: Report, field: string, value: unknown, rule: PemRule): void {
  if (!checkLength(report, field, value, rule)) return;
  const labels = pemLabels(value)?.filter((label) => label !== 'EC PARAMETERS');
  if (labels?.length !== 1 || !KEY_LABELS.has(labels[0] ?? '')) {
    report('invalid_value', field, 'must be one plain PEM PRIVATE KEY block');
  }
}

function checkLength(report: Report, field: string, value: unknown, rule: PemRule): value is string {
  if (typeof value !== 'string') {
    report('invalid_value', field, 'must be a PEM string');
    return false;
  }
  if (value.length < rule.min || value.length > rule.max) {
    report('invalid_value', field, `PEM must be ${rule.min}..${rule.max} characters`);
    return false;
  }
  return true;
}

/** Length bounds of APISIX's certificate and key schemas. */
export const CERT_PEM: PemRule = { min: 128, max: 64 * 1024 };
export const KEY_PEM: PemRule = { min: 64, max: 64 * 1024 };
