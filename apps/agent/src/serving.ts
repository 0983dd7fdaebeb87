import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigStore, startEtcdServer, writeApisixYaml } from '@weft/apisix';
import type { EtcdServer } from '@weft/apisix';
import type { Snapshot } from '@weft/model';
import { restoreSnapshot, validateSnapshot } from '@weft/snapshot';
import type { Logger } from '@weft/telemetry';
import type { ApplyTarget } from './applier.js';
import { summarize } from './applier.js';
import { LastAppliedFile } from './last-applied.js';
import { RevisionReservation } from './revision-reservation.js';

export type StoreMode = 'etcd' | 'yaml' | 'both';

export interface ServingOptions {
  readonly mode: StoreMode;
  readonly etcdHost: string;
  /** 0 picks a free port (see `etcdEndpoint`). */
  readonly etcdPort: number;
  readonly apisixYaml: string;
  readonly stateDir: string;
  readonly maxSnapshotBytes: number;
  /** Restore and keep the last applied snapshot in `stateDir` (the online mode; offline serves its file). */
  readonly keepLastApplied: boolean;
  readonly logger: Logger;
}

/**
 * What APISIX reads, in the chosen mode(s): the etcd v3 API on loopback over a revisioned store, and/or the
 * standalone apisix.yaml; plus the state folder that lets a restarted agent serve at once.
 */
export class ServingStores implements ApplyTarget {
  readonly #options: ServingOptions;
  readonly #log: Logger;
  readonly #lastApplied: LastAppliedFile<unknown>;
  readonly #store: ConfigStore | undefined;
  readonly #reservation: RevisionReservation | undefined;
  #server: EtcdServer | undefined;

  private constructor(options: ServingOptions, store: ConfigStore | undefined, reservation: RevisionReservation | undefined) {
    this.#options = options;
    this.#log = options.logger;
    this.#lastApplied = new LastAppliedFile<unknown>(options.stateDir);
    this.#store = store;
    this.#reservation = reservation;
  }

  /**
   * Opens the stores: restores the last applied snapshot (a bad file is logged and ignored), applies it, then
   * starts the etcd API, so APISIX finds the restored config from its first request.
   */
  static async open(options: ServingOptions): Promise<{ readonly stores: ServingStores; readonly restored: Snapshot | undefined }> {
    const withEtcd = options.mode !== 'yaml';
    const restored = options.keepLastApplied ? await restoreLastApplied(options) : undefined;
    let store: ConfigStore | undefined;
    let reservation: RevisionReservation | undefined;
    if (withEtcd) {
      reservation = await RevisionReservation.load(options.stateDir);
      const floor = Math.max(reservation.reserved, restored?.revision ?? 0);
      store = new ConfigStore({ revisionFloor: floor });
    }
    const stores = new ServingStores(options, store, reservation);
    if (restored !== undefined) {
      await stores.apply(restored.snapshot);
      options.logger.info({ version: restored.snapshot.meta.version, scope: restored.snapshot.meta.scope, hash: restored.snapshot.meta.hash }, 'restored the last applied snapshot');
    }
    if (store !== undefined) {
      stores.#server = await startEtcdServer(store, { logger: options.logger.child({ part: 'etcd-api' }), host: options.etcdHost, port: options.etcdPort });
    }
    return { stores, restored: restored?.snapshot };
  }

  /** `http://host:port` of the etcd v3 API, when it runs. */
  get etcdEndpoint(): string | undefined {
    return this.#server?.endpoint;
  }

  /** Current revision of the etcd-API store. */
  get revision(): number | undefined {
    return this.#store?.revision;
  }

  async apply(snapshot: Snapshot): Promise<void> {
    const store = this.#store;
    if (store !== undefined && this.#reservation !== undefined) {
      // Write-ahead: the revision this apply takes is on disk before APISIX can see it.
      await this.#reservation.cover(store.nextRevision());
      store.applyResources(snapshot.resources);
    }
    if (this.#options.mode !== 'etcd') {
      await mkdir(dirname(this.#options.apisixYaml), { recursive: true });
      await writeApisixYaml(this.#options.apisixYaml, snapshot.resources);
    }
  }

  async persist(snapshot: Snapshot): Promise<void> {
    if (!this.#options.keepLastApplied) return;
    try {
      await this.#lastApplied.save({ snapshot, revision: String(this.#store?.revision ?? 0) });
    } catch (err) {
      this.#log.warn({ err, path: this.#lastApplied.path }, 'could not keep the last applied snapshot; a restart will wait for NATS');
    }
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }
}

async function restoreLastApplied(options: ServingOptions): Promise<{ readonly snapshot: Snapshot; readonly revision: number } | undefined> {
  const file = new LastAppliedFile<unknown>(options.stateDir);
  try {
    const saved = await file.load();
    if (saved === undefined) return undefined;
    const snapshot = restoreSnapshot(saved.snapshot);
    const problems = validateSnapshot(snapshot, { maxBytes: options.maxSnapshotBytes });
    if (problems.length > 0) throw new Error(`it fails validation: ${summarize(problems)}`);
    const revision = Number(saved.revision);
    return { snapshot, revision: Number.isSafeInteger(revision) ? revision : 0 };
  } catch (err) {
    options.logger.warn({ err, path: file.path }, 'ignoring the last applied snapshot on disk');
    return undefined;
  }
}
