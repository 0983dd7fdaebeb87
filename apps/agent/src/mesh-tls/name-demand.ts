import { MESH_SSL_IDS } from '@weft/model';
import type { ApisixUpstream } from '@weft/model';
import { parseJsonText } from '@weft/snapshot';
import type { StoreResource } from '../applier.js';

/** An inbound mTLS route of translate's layout (`in.<app port>`, matching the mesh names `^<port>\.`). */
const INBOUND_TLS_ROUTE = /^in\.(\d+)$/;

/**
 * The mesh names this pod's SVID must carry, as far as its snapshot tells (docs/mesh-mtls.md): every app port an
 * inbound mTLS route serves needs some name `<port>.…`, and every meshed upstream with an endpoint at one of this
 * pod's IPs names exactly what its clients send (`upstream_host`). Kept per resource, so a delta costs O(change).
 */
export class MeshNameDemand {
  readonly #podIps: ReadonlySet<string>;
  /** Inbound route id → app port. */
  readonly #ports = new Map<string, number>();
  /** Upstream id → the mesh name its clients send to this pod. */
  readonly #names = new Map<string, string>();

  constructor(podIps: readonly string[]) {
    this.#podIps = new Set(podIps);
  }

  /** Takes a whole state. */
  reset(all: Iterable<StoreResource>): void {
    this.#ports.clear();
    this.#names.clear();
    for (const resource of all) this.#take(resource);
  }

  /** Takes the resources that changed (json undefined: gone). */
  update(changes: readonly StoreResource[]): void {
    for (const resource of changes) this.#take(resource);
  }

  #take({ kind, id, json }: StoreResource): void {
    if (kind === 'routes') {
      const port = INBOUND_TLS_ROUTE.exec(id)?.[1];
      if (port === undefined) return;
      if (json === undefined) this.#ports.delete(id);
      else this.#ports.set(id, Number(port));
    } else if (kind === 'upstreams') {
      const name = json === undefined ? undefined : this.#meshNameTowardsMe(json);
      if (name === undefined) this.#names.delete(id);
      else this.#names.set(id, name);
    }
  }

  #meshNameTowardsMe(json: string): string | undefined {
    // Most upstreams are not meshed or not towards this pod: skip the parse for them.
    if (this.#podIps.size === 0 || !json.includes('"upstream_host"')) return undefined;
    let mine = false;
    for (const ip of this.#podIps) if (json.includes(`"${ip}"`)) mine = true;
    if (!mine) return undefined;
    const upstream = parseJsonText(json) as ApisixUpstream;
    if (upstream.pass_host !== 'rewrite' || upstream.upstream_host === undefined || upstream.tls?.client_cert_id !== MESH_SSL_IDS.outbound) return undefined;
    return upstream.nodes.some((node) => this.#podIps.has(node.host)) ? upstream.upstream_host.toLowerCase() : undefined;
  }

  /**
   * The exact mesh names the snapshot shows clients sending to this pod, sorted: what a CSR asks for when the signer
   * certifies CSRs as they are (the cert-manager bridge). Inbound ports alone name no Service, so they add nothing.
   */
  names(): string[] {
    return [...new Set(this.#names.values())].sort();
  }

  /** What `dnsNames` lacks, sorted: the names clients send here, and `port <p>` for inbound ports no name covers. */
  missing(dnsNames: readonly string[]): string[] {
    const have = new Set(dnsNames);
    const missing = new Set<string>();
    for (const name of this.#names.values()) if (!have.has(name)) missing.add(name);
    for (const port of this.#ports.values()) {
      const prefix = `${String(port)}.`;
      if (!dnsNames.some((name) => name.startsWith(prefix))) missing.add(`port ${String(port)}`);
    }
    return [...missing].sort();
  }
}
