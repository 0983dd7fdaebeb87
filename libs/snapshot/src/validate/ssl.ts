import type { Fields, Report } from './fields.js';
import {
  checkArray,
  checkEnum,
  checkHost,
  checkKnownFields,
  checkMetadata,
  checkNumber,
  checkRecord,
  checkRequired,
  checkStatus,
  checkString,
  optional,
} from './fields.js';
import { CERT_PEM, checkCertificatePem, checkPrivateKeyPem, KEY_PEM } from './pem.js';

const SSL_FIELDS = new Set([
  'id', 'labels', 'type', 'cert', 'key', 'certs', 'keys', 'sni', 'snis', 'client', 'ssl_protocols', 'status',
]);
const CLIENT_FIELDS = new Set(['ca', 'depth', 'skip_mtls_uri_regex']);
const SSL_TYPES = ['server', 'client'];
const TLS_PROTOCOLS = ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export function validateSsl(report: Report, ssl: Fields): void {
  checkKnownFields(report, '', ssl, SSL_FIELDS);
  checkMetadata(report, ssl);
  checkRequired(report, ssl, ['cert', 'key']);
  optional(ssl, 'type', (v) => checkEnum(report, 'type', v, SSL_TYPES));
  optional(ssl, 'cert', (v) => {
    checkCertificatePem(report, 'cert', v, CERT_PEM);
  });
  optional(ssl, 'key', (v) => {
    checkPrivateKeyPem(report, 'key', v, KEY_PEM);
  });
  checkExtraPairs(report, ssl);

  const hasSni = ssl['sni'] !== undefined;
  const hasSnis = ssl['snis'] !== undefined;
  if (hasSni && hasSnis) report('conflicting_fields', 'snis', 'sni and snis exclude each other');
  // A server certificate is chosen by SNI, so it must say which names it serves.
  if ((ssl['type'] ?? 'server') === 'server' && !hasSni && !hasSnis) {
    report('missing_field', 'sni', 'a server ssl needs sni or snis');
  }
  optional(ssl, 'sni', (v) => checkHost(report, 'sni', v));
  optional(ssl, 'snis', (v) => {
    checkArray(report, 'snis', v, { minItems: 1, unique: true }, (f, item) => checkHost(report, f, item));
  });
  optional(ssl, 'client', (v) => {
    checkClient(report, v);
  });
  optional(ssl, 'ssl_protocols', (v) => {
    checkArray(report, 'ssl_protocols', v, { unique: true }, (f, item) => checkEnum(report, f, item, TLS_PROTOCOLS));
  });
  optional(ssl, 'status', (v) => {
    checkStatus(report, 'status', v);
  });
}

/** `certs`/`keys`: extra certificate/key pairs for the same names (e.g. RSA beside ECDSA), paired by index. */
function checkExtraPairs(report: Report, ssl: Fields): void {
  const certs = ssl['certs'];
  const keys = ssl['keys'];
  if (certs === undefined && keys === undefined) return;
  if (!Array.isArray(certs) || !Array.isArray(keys) || certs.length !== keys.length) {
    report('conflicting_fields', 'keys', 'certs and keys must be lists of the same length');
  }
  optional(ssl, 'certs', (v) => {
    checkArray(report, 'certs', v, {}, (f, item) => {
      checkCertificatePem(report, f, item, CERT_PEM);
    });
  });
  optional(ssl, 'keys', (v) => {
    checkArray(report, 'keys', v, {}, (f, item) => {
      checkPrivateKeyPem(report, f, item, KEY_PEM);
    });
  });
}

/** Downstream mTLS: the CA that client certificates must chain to. */
function checkClient(report: Report, client: unknown): void {
  if (!checkRecord(report, 'client', client)) return;
  checkKnownFields(report, 'client', client, CLIENT_FIELDS);
  if (client['ca'] === undefined) report('missing_field', 'client.ca', 'ca is required');
  else checkCertificatePem(report, 'client.ca', client['ca'], CERT_PEM);
  optional(client, 'depth', (v) => checkNumber(report, 'client.depth', v, { integer: true, min: 0 }));
  optional(client, 'skip_mtls_uri_regex', (v) => {
    checkArray(report, 'client.skip_mtls_uri_regex', v, { minItems: 1, unique: true }, (f, item) => checkString(report, f, item));
  });
}
