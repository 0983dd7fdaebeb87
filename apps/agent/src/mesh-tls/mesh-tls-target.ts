import { X509Certificate } from 'node:crypto';
import { APISIX_KINDS, isAgentProvidedSslId, MESH_SSL_IDS } from '@weft/model';
import type { ApisixKind, ApisixSsl, SnapshotMeta } from '@weft/model';
import { canonicalJson } from '@weft/snapshot';
import type { ContentState } from '@weft/snapshot';
import type { Logger } from '@weft/telemetry';
import type { ApplyTarget, PersistRecord, StoreResource, StoreUpdate } from '../applier.js';
import type { TrustBundleFile } from './bundle-file.js';
import type { MeshNameDemand } from './name-demand.js';
import type { MeshNameRenewal } from './renewal.js';
import { meshSslObjects } from './ssl-objects.js';

/** The SVID as the mesh-TLS objects need it (apps/agent identity's Svid has these fields). */
export interface MeshSvid {
  readonly certificatePem: string;
  readonly chainPem: string;
  readonly privateKeyPem: string;
  readonly trustBundlePem: string;
  readonly serialNumber: string;
}

export interface MeshTlsTargetOptions {
  /** The config stores (ServingStores). */
  readonly inner: ApplyTarget;
  /** The stores write whole states on every change (apisix.yaml): keep the last one to rewrite on rotation. */
  readonly keepWholeState: boolean;
  readonly bundleFile: TrustBundleFile;
  readonly demand: MeshNameDemand;
  readonly log: Logger;
}

/** What /debug/state shows: names and serials, no key material. */
export interface MeshTlsView {
  readonly serial: string | null;
  readonly snis: readonly string[];
  readonly missing: readonly string[];
  readonly trustBundleFile: string;
  readonly renewals: number;
}

const SSLS: ApisixKind = 'ssls';

/** The DNS SANs of a certificate, lowercase. */
export function dnsNamesOf(certificatePem: string): string[] {
  const sans = new X509Certificate(certificatePem).subjectAltName ?? '';
  return sans
    .split(', ')
    .filter((san) => san.startsWith('DNS:'))
    .map((san) => san.slice(4).toLowerCase());
}

/**
 * The config stores plus the agent's own ssl objects (docs/mesh-mtls.md): every version the applier hands over is
 * passed on with `weft-inbound`/`weft-outbound` built from the current SVID beside the snapshot's resources, and a
 * new SVID (rotation, or new mesh names) is written into the stores at once under the version they serve. The key
 * goes only to the stores: never into the persisted snapshot, never into a log. Also keeps the trust bundle file
 * APISIX's nginx reads, and asks for an early renewal when the snapshot shows mesh names the SVID lacks.
 */
export class MeshTlsTarget implements ApplyTarget {
  readonly #options: MeshTlsTargetOptions;
  #renewal: MeshNameRenewal | undefined;
  #svid: (MeshSvid & { readonly dnsNames: readonly string[] }) | undefined;
  #snapshotBundle: readonly string[] = [];
  #meta: SnapshotMeta | undefined;
  /** The snapshot's resources as the stores last took them (only with keepWholeState). */
  #whole: readonly StoreResource[] = [];
  /** Agent ssl id → the JSON the stores hold now. */
  #stored = new Map<string, string>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: MeshTlsTargetOptions) {
    this.#options = options;
  }

  /** Paces early renewals (set once the identity runs). */
  set renewal(renewal: MeshNameRenewal) {
    this.#renewal = renewal;
  }

  /** The version the stores serve after a restart (ServingStores.open applied it): the baseline. */
  restored(meta: SnapshotMeta, state: ContentState): void {
    this.#meta = meta;
    this.#snapshotBundle = state.trustBundle;
    const all = (function* () {
      for (const kind of ['routes', 'upstreams'] as const) for (const entry of state.entries(kind)) yield { kind, id: entry.id, json: entry.json };
    })();
    this.#options.demand.reset(all);
    if (this.#options.keepWholeState) this.#whole = wholeOf(state);
  }

  apply(update: StoreUpdate): Promise<void> {
    return this.#serial(async () => {
      const { demand, inner, keepWholeState } = this.#options;
      if (update.changes === undefined) demand.reset(update.all());
      else demand.update(update.changes);
      if (update.trustBundle !== undefined) this.#snapshotBundle = update.trustBundle;
      const whole = keepWholeState ? [...withoutAgentSsls(update.all())] : [];
      const wanted = this.#wanted();
      const sslChanges = this.#sslChanges(wanted);
      await inner.apply({
        meta: update.meta,
        changes: update.changes === undefined ? undefined : [...withoutAgentSsls(update.changes), ...sslChanges],
        ...(update.trustBundle === undefined ? {} : { trustBundle: update.trustBundle }),
        *all() {
          yield* keepWholeState ? whole : withoutAgentSsls(update.all());
          yield* wanted.values();
        },
      });
      this.#meta = update.meta;
      this.#whole = whole;
      this.#commit(wanted);
      await this.#writeBundle();
      this.#checkNames(false);
    });
  }

  persist(record: PersistRecord): Promise<void> {
    // The snapshot's content only: the ssl objects (the key) are never kept on disk.
    return this.#options.inner.persist(record);
  }

  /** A new SVID: into the stores at once (if they serve a version yet), the bundle file, the names check. */
  svidChanged(svid: MeshSvid): Promise<void> {
    return this.#serial(async () => {
      const { inner, log } = this.#options;
      this.#svid = { ...svid, dnsNames: dnsNamesOf(svid.certificatePem) };
      const meta = this.#meta;
      if (meta !== undefined) {
        const wanted = this.#wanted();
        const changes = this.#sslChanges(wanted);
        if (changes.length > 0) {
          const whole = this.#whole;
          try {
            await inner.apply({
              meta,
              changes,
              *all() {
                yield* whole;
                yield* wanted.values();
              },
            });
            this.#commit(wanted);
          } catch (err) {
            log.error({ err: (err as Error).message, serial: svid.serialNumber }, 'could not write the new SVID into the config stores; retried with the next version');
          }
        }
      }
      log.info({ serial: svid.serialNumber, snis: this.#svid.dnsNames, stored: meta !== undefined }, 'mesh TLS certificates updated');
      await this.#writeBundle();
      this.#checkNames(true);
    });
  }

  /** Resolves once every store write queued so far is done. */
  flush(): Promise<void> {
    return this.#serial(() => Promise.resolve());
  }

  view(): MeshTlsView {
    return {
      serial: this.#svid?.serialNumber ?? null,
      snis: this.#svid?.dnsNames ?? [],
      missing: this.#options.demand.missing(this.#svid?.dnsNames ?? []),
      trustBundleFile: this.#options.bundleFile.path,
      renewals: this.#renewal?.attempts ?? 0,
    };
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(step);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The trust bundle: the snapshot's (all roots the mesh trusts, across a rotation), else the CA's answer. */
  #bundlePem(): string | undefined {
    if (this.#snapshotBundle.length > 0) return this.#snapshotBundle.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
    return this.#svid?.trustBundlePem;
  }

  /** The agent ssl objects the stores should hold now, as store resources. */
  #wanted(): Map<string, StoreResource> {
    const wanted = new Map<string, StoreResource>();
    const svid = this.#svid;
    const bundlePem = this.#bundlePem();
    if (svid === undefined || bundlePem === undefined) return wanted;
    const { inbound, outbound } = meshSslObjects({ chainPem: svid.chainPem, privateKeyPem: svid.privateKeyPem, bundlePem, dnsNames: svid.dnsNames });
    const put = (ssl: ApisixSsl): void => {
      wanted.set(ssl.id, { kind: SSLS, id: ssl.id, json: canonicalJson(ssl) });
    };
    put(outbound);
    if (inbound !== undefined) put(inbound);
    return wanted;
  }

  /** Store changes from what the stores hold to `wanted`. */
  #sslChanges(wanted: ReadonlyMap<string, StoreResource>): StoreResource[] {
    const changes: StoreResource[] = [];
    for (const id of [MESH_SSL_IDS.inbound, MESH_SSL_IDS.outbound]) {
      const next = wanted.get(id);
      if (next?.json === this.#stored.get(id)) continue;
      changes.push(next ?? { kind: SSLS, id, json: undefined });
    }
    return changes;
  }

  #commit(wanted: ReadonlyMap<string, StoreResource>): void {
    this.#stored = new Map([...wanted].map(([id, r]) => [id, r.json ?? '']));
  }

  async #writeBundle(): Promise<void> {
    const pem = this.#bundlePem();
    if (pem === undefined) return;
    try {
      if (await this.#options.bundleFile.write(pem)) this.#options.log.info({ path: this.#options.bundleFile.path }, 'trust bundle file written');
    } catch (err) {
      this.#options.log.error({ err: (err as Error).message, path: this.#options.bundleFile.path }, 'cannot write the trust bundle file');
    }
  }

  #checkNames(newSvid: boolean): void {
    const svid = this.#svid;
    if (svid === undefined) return;
    this.#renewal?.check(this.#options.demand.missing(svid.dnsNames), newSvid);
  }
}

function* withoutAgentSsls(resources: Iterable<StoreResource>): Iterable<StoreResource> {
  for (const resource of resources) if (resource.kind !== SSLS || !isAgentProvidedSslId(resource.id)) yield resource;
}

function wholeOf(state: ContentState): StoreResource[] {
  const whole: StoreResource[] = [];
  for (const kind of APISIX_KINDS) for (const entry of state.entries(kind)) whole.push({ kind, id: entry.id, json: entry.json });
  return [...withoutAgentSsls(whole)];
}
