import { MESH_SSL_IDS } from '@weft/model';
import type { ApisixSsl } from '@weft/model';
import { validateResource } from '@weft/snapshot';

/** What the ssl objects are made of: the agent's SVID (key in memory only) and the trust bundle peers chain to. */
export interface MeshTlsMaterial {
  /** Leaf then intermediates, PEM. */
  readonly chainPem: string;
  readonly privateKeyPem: string;
  /** Roots, PEM, concatenated. */
  readonly bundlePem: string;
  /** The mesh names the SVID carries: the SNIs the inbound listener answers. */
  readonly dnsNames: readonly string[];
}

/** An ssl object the agent built failed APISIX's schema (as libs/snapshot checks it): a bug, never served. */
export class MeshSslError extends Error {
  override readonly name = 'MeshSslError';
}

/** Client certificates: leaf, intermediate (a plugged-in CA), root — as the clients' proxy_ssl_verify_depth 3. */
export const CLIENT_VERIFY_DEPTH = 2;

/**
 * The two ssl objects of docs/mesh-mtls.md: `weft-outbound` (type client, the SVID presented to server sidecars) and
 * `weft-inbound` (type server, chosen by SNI = one of the SVID's mesh names, requiring a client certificate that
 * chains to the bundle). No inbound object while the SVID carries no mesh name: then no peer could verify it anyway,
 * and APISIX refuses the handshake for lack of a certificate. Each is checked against the snapshot's ssl schema.
 */
export function meshSslObjects(material: MeshTlsMaterial): { readonly inbound: ApisixSsl | undefined; readonly outbound: ApisixSsl } {
  const outbound: ApisixSsl = { id: MESH_SSL_IDS.outbound, type: 'client', cert: material.chainPem, key: material.privateKeyPem };
  const snis = [...new Set(material.dnsNames)].sort();
  const inbound: ApisixSsl | undefined =
    snis.length === 0
      ? undefined
      : {
          id: MESH_SSL_IDS.inbound,
          type: 'server',
          cert: material.chainPem,
          key: material.privateKeyPem,
          snis,
          client: { ca: material.bundlePem, depth: CLIENT_VERIFY_DEPTH },
        };
  for (const ssl of inbound === undefined ? [outbound] : [outbound, inbound]) {
    const problems = validateResource('ssls', ssl, ssl.id);
    // The messages name fields, never values: no key material reaches a log.
    if (problems.length > 0) throw new MeshSslError(`ssl ${ssl.id}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
  return { inbound, outbound };
}
