import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { APISIX_ETCD_DIRECTORIES, ConfigStore, DEFAULT_PREFIX, DIR_PLACEHOLDER_VALUE, startEtcdServer, writeApisixYaml } from '@weft/apisix';
import type { EtcdServer } from '@weft/apisix';
import { APISIX_KINDS } from '@weft/model';
import type { ApisixKind, ApisixResource, ApisixResources } from '@weft/model';
import { parseJsonText } from '@weft/snapshot';
import type { Logger } from '@weft/telemetry';
import type { ApplyTarget, PersistRecord, StoreResource, StoreUpdate } from './applier.js';
import { summarize } from './applier.js';
import { AppliedStateFile } from './applied-state.js';
import type { AppliedState } from './applied-state.js';
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
  readonly #lastApplied: AppliedStateFile;
  readonly #store: ConfigStore | undefined;
  readonly #reservation: RevisionReservation | undefined;
  #server: EtcdServer | undefined;

  private constructor(options: ServingOptions, store: ConfigStore | undefined, reservation: RevisionReservation | undefined, file: AppliedStateFile) {
    this.#options = options;
    this.#log = options.logger;
    this.#lastApplied = file;
    this.#store = store;
    this.#reservation = reservation;
  }

  /**
   * Opens the stores: restores the last applied version (a bad file is logged and ignored), applies it, then
   * starts the etcd API, so APISIX finds the restored config from its first request.
   */
  static async open(options: ServingOptions): Promise<{ readonly stores: ServingStores; readonly restored: AppliedState | undefined }> {
    const withEtcd = options.mode !== 'yaml';
    const file = new AppliedStateFile(options.stateDir);
    const restored = options.keepLastApplied ? await restoreLastApplied(file, options) : undefined;
    let store: ConfigStore | undefined;
    let reservation: RevisionReservation | undefined;
    if (withEtcd) {
      reservation = await RevisionReservation.load(options.stateDir);
      const floor = Math.max(reservation.reserved, restored?.revision ?? 0);
      store = new ConfigStore({ revisionFloor: floor });
    }
    const stores = new ServingStores(options, store, reservation, file);
    if (restored !== undefined) {
      const { state, meta } = restored;
      await stores.apply({
        meta,
        changes: undefined,
        *all() {
          for (const kind of APISIX_KINDS) for (const entry of state.entries(kind)) yield { kind, id: entry.id, json: entry.json };
        },
      });
      options.logger.info({ version: meta.version, scope: meta.scope, hash: meta.hash, resources: state.size }, 'restored the last applied snapshot');
    }
    if (store !== undefined) {
      stores.#server = await startEtcdServer(store, { logger: options.logger.child({ part: 'etcd-api' }), host: options.etcdHost, port: options.etcdPort });
    }
    return { stores, restored };
  }

  /** `http://host:port` of the etcd v3 API, when it runs. */
  get etcdEndpoint(): string | undefined {
    return this.#server?.endpoint;
  }

  /** Current revision of the etcd-API store. */
  get revision(): number | undefined {
    return this.#store?.revision;
  }

  /** Takes a version into the store(s): only the changed keys into the etcd store; apisix.yaml is rewritten whole. */
  async apply(update: StoreUpdate): Promise<void> {
    const store = this.#store;
    if (store !== undefined && this.#reservation !== undefined) {
      // Write-ahead: the revision this apply takes is on disk before APISIX can see it.
      await this.#reservation.cover(store.nextRevision());
      if (update.changes === undefined) store.applyEntries(wholeState(update.all()));
      else store.applyChanges(changesOf(update.changes));
    }
    if (this.#options.mode !== 'etcd') {
      await mkdir(dirname(this.#options.apisixYaml), { recursive: true });
      await writeApisixYaml(this.#options.apisixYaml, resourcesOf(update.all()));
    }
  }

  async persist(record: PersistRecord): Promise<void> {
    if (!this.#options.keepLastApplied) return;
    try {
      await this.#lastApplied.save(record, String(this.#store?.revision ?? 0));
    } catch (err) {
      this.#log.warn({ err, path: this.#lastApplied.path }, 'could not keep the last applied snapshot; a restart will wait for NATS');
    }
  }

  async close(): Promise<void> {
    await this.#server?.close();
    await this.#lastApplied.close().catch((err: unknown) => {
      this.#log.warn({ err, path: this.#lastApplied.journalPath }, 'could not sync the applied-state journal');
    });
  }
}

async function restoreLastApplied(file: AppliedStateFile, options: ServingOptions): Promise<AppliedState | undefined> {
  try {
    const restored = await file.load();
    if (restored === undefined) return undefined;
    if (!restored.state.valid({ maxBytes: options.maxSnapshotBytes })) {
      throw new Error(`it fails validation: ${summarize(restored.state.problems({ maxBytes: options.maxSnapshotBytes }))}`);
    }
    return restored;
  } catch (err) {
    options.logger.warn({ err, path: file.path }, 'ignoring the last applied snapshot on disk');
    return undefined;
  }
}

function keyOf(kind: ApisixKind, id: string): string {
  return `${DEFAULT_PREFIX}/${kind}/${id}`;
}

/** Every key of a whole state, with the directory placeholders APISIX's first read expects. */
function wholeState(all: Iterable<StoreResource>): Map<string, string> {
  const entries = new Map<string, string>();
  for (const dir of APISIX_ETCD_DIRECTORIES) entries.set(`${DEFAULT_PREFIX}/${dir}/`, DIR_PLACEHOLDER_VALUE);
  for (const { kind, id, json } of all) if (json !== undefined) entries.set(keyOf(kind, id), json);
  return entries;
}

function changesOf(changes: readonly StoreResource[]): Map<string, string | null> {
  return new Map(changes.map(({ kind, id, json }) => [keyOf(kind, id), json ?? null]));
}

/** The resources as objects, for the standalone file (which APISIX reads whole anyway). */
function resourcesOf(all: Iterable<StoreResource>): ApisixResources {
  const resources = Object.fromEntries(APISIX_KINDS.map((kind) => [kind, [] as ApisixResource[]])) as Record<ApisixKind, ApisixResource[]>;
  for (const { kind, json } of all) if (json !== undefined) resources[kind].push(parseJsonText(json) as ApisixResource);
  return resources as unknown as ApisixResources;
}
