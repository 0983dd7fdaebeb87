import type { JsMsg } from '@nats-io/jetstream';
import { SNAPSHOT_SCHEMA } from '@weft/model';
import type { Logger } from '@weft/telemetry';
import { Backoff } from './backoff.js';
import { ChunkAssembler, decodeBody } from './codec.js';
import type { BusContext } from './context.js';
import { EventStream } from './event-stream.js';
import { IntegrityError, SchemaMajorError } from './errors.js';
import { checkSchema, FRAME_HEADERS, readFrameHeader, schemaMajor } from './frame.js';
import type { FrameHeader } from './frame.js';
import { readFullState } from './full-reader.js';
import type { FullRead } from './full-reader.js';
import { validateScopeId } from './ids.js';
import { ConsumerRestart, followOrdered } from './ordered.js';
import { formatVersion, parseVersion } from './version.js';
import type { FullReason, ScopeMessage } from './types.js';

export interface SubscribeOptions {
  /** The version the caller holds (e.g. restored from disk). Omit to start from the full state. */
  readonly fromVersion?: string;
  /** Schema majors this side can apply (default: the major of `SNAPSHOT_SCHEMA`). */
  readonly acceptSchemaMajors?: readonly number[];
  /**
   * Deliver full states as their JSON text (`document` is a string) rather than parsed: for a reader that takes a
   * large state apart itself (deltas: see `deltasAsText`).
   */
  readonly fullAsText?: boolean;
  /** Deliver deltas as their JSON text too (checked, gunzipped, not parsed): for a reader that splits them itself. */
  readonly deltasAsText?: boolean;
}

/** A scope followed in version order. Iterate it once; `close()` (or leaving the loop) ends it. */
export interface ScopeSubscription extends AsyncIterable<ScopeMessage>, AsyncDisposable {
  readonly scope: string;
  /** Version of the last full state or delta delivered (or `fromVersion`), undefined before any. */
  readonly version: string | undefined;
  /**
   * Asks for the full state again (the caller could not apply what it was given, e.g. a delta whose result did not
   * hash to the published hash): the latest checkpoint comes next, then every delta after it.
   */
  resync(): void;
  close(): Promise<void>;
}

// Tries at reading a full state that must exist (its delta record has been seen) before reporting it missing.
const FULL_READ_ATTEMPTS = 12;

/**
 * Follows a scope (agent side). An ordered consumer on the scope's delta subject starts right after the
 * version held; each record chains onto it (`baseVersion`), or the latest checkpoint is read instead and the
 * consumer rewinds to replay the deltas after it: at the start without a version, when the version is not one of
 * this scope's, when deltas are gone, on a reset, on `resync()`. NATS.js recreates the ordered consumer after a
 * reconnect at the next sequence; if the consumer fails anyway, this loop recreates it from the last sequence read,
 * so a nats-server restart costs no full resync.
 */
export function subscribeScope(ctx: BusContext, scope: string, options: SubscribeOptions = {}): ScopeSubscription {
  validateScopeId(scope);
  const from = options.fromVersion === undefined ? undefined : parseVersion(options.fromVersion);
  return new ScopeFollower(ctx, scope, from, options.acceptSchemaMajors ?? [schemaMajor(SNAPSHOT_SCHEMA)], options.fullAsText ?? false, options.deltasAsText ?? false);
}

class ScopeFollower extends EventStream<ScopeMessage> implements ScopeSubscription {
  readonly scope: string;
  readonly #ctx: BusContext;
  readonly #log: Logger;
  readonly #majors: readonly number[];
  readonly #from: number | undefined;
  readonly #fullAsText: boolean;
  readonly #deltasAsText: boolean;
  readonly #assembler = new ChunkAssembler();
  readonly #restart = new ConsumerRestart();
  /** Version of the state the reader holds. */
  #have: number | undefined;
  /** Highest version dealt with: delivered, or refused (lowered by a rewind). */
  #position = 0;
  /** Stream sequence of the last delta-subject message read. */
  #cursor = 0;
  /** The caller asked for the full state. */
  #resyncWanted = false;
  /** The checkpoint the last rewind replays from, until a delta chains onto it (a second break there is a dead end). */
  #rewoundTo: number | undefined;
  #refused = new Set<string>();

  constructor(ctx: BusContext, scope: string, from: number | undefined, majors: readonly number[], fullAsText: boolean, deltasAsText: boolean) {
    super(ctx);
    this.scope = scope;
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ scope });
    this.#majors = majors;
    this.#from = from;
    this.#fullAsText = fullAsText;
    this.#deltasAsText = deltasAsText;
    this.done = this.#run();
  }

  get version(): string | undefined {
    return this.#have === undefined ? undefined : formatVersion(this.#have);
  }

  resync(): void {
    this.#resyncWanted = true;
    this.#restart.request();
  }

  get #closed(): boolean {
    return this.abort.signal.aborted;
  }

  async #run(): Promise<void> {
    const backoff = new Backoff(100, 2000);
    for (;;) {
      try {
        await this.#start();
        break;
      } catch (err) {
        if (this.#closed) return;
        this.#log.warn({ err }, 'reading the scope failed; retrying');
        await backoff.wait(this.abort.signal);
      }
    }
    await followOrdered(this.#ctx, {
      stream: this.#ctx.names.snapStream,
      filter: this.#ctx.names.deltaSubject(this.scope),
      startAt: () => ({ opt_start_seq: Math.max(this.#cursor, this.#position) + 1 }),
      beforeStart: async () => {
        if (!this.#resyncWanted) return;
        this.#restart.clear();
        await this.#catchUp('resync', 0);
        this.#resyncWanted = false;
      },
      onMessage: async (m) => {
        // A resync asked for meanwhile goes first: this message is read again after it.
        if (this.#resyncWanted) return true;
        this.#cursor = m.seq;
        return this.#onFrame(m);
      },
      restart: this.#restart,
      maxMessages: 64,
      signal: this.abort.signal,
      log: this.#log,
    });
  }

  async #start(): Promise<void> {
    const from = this.#from;
    if (from === undefined) {
      await this.#catchUp('initial', 0);
      return;
    }
    this.#have = from;
    this.#position = from;
    this.#cursor = from;
    const latest = await this.#latestRecordVersion();
    if (latest === undefined || latest < from) {
      // Not a version of this scope in this stream: another scope's, or a stream that was recreated.
      this.#have = undefined;
      this.#position = 0;
      this.#cursor = 0;
      await this.#catchUp('unknown-base', 0);
    }
  }

  /** Handles one message of the delta subject; true when the consumer must start again from `startAt()`. */
  async #onFrame(m: JsMsg): Promise<boolean> {
    const get = (name: string): string => m.headers?.get(name) ?? '';
    const versionText = get(FRAME_HEADERS.version);
    const version = /^[0-9]+$/.test(versionText) ? Number(versionText) : undefined;
    // The rest of a record already delivered or refused, or one older than what is held.
    if (version !== undefined && version <= this.#position) return false;
    let frame: FrameHeader;
    try {
      checkSchema(get(FRAME_HEADERS.schema), this.#majors);
      frame = readFrameHeader(get);
    } catch (err) {
      this.#assembler.reset();
      if (version !== undefined) this.#position = version;
      this.#refuse(version === undefined ? undefined : versionText, err);
      return false;
    }
    const assembled = this.#assembler.add(frame, m.data);
    if (assembled.state === 'pending') return false;
    if (assembled.state === 'broken') {
      // A record whose head retention trimmed, or one cut short: the next record will not chain, and resyncs.
      this.#log.debug({ version: frame.meta.version, reason: assembled.reason }, 'record dropped');
      return false;
    }
    return this.#onRecord(assembled.header, assembled.bytes);
  }

  async #onRecord(frame: FrameHeader, bytes: Uint8Array): Promise<boolean> {
    const version = parseVersion(frame.meta.version);
    const chains = this.#have !== undefined && frame.meta.baseVersion === formatVersion(this.#have);
    if (frame.kind === 'delta' && chains) {
      let document: unknown;
      try {
        document = await decodeBody(frame.encoding, bytes, frame.bodySha256, { asText: this.#deltasAsText });
      } catch (err) {
        this.#position = version;
        this.#refuse(frame.meta.version, err);
        return false;
      }
      this.#have = version;
      this.#position = version;
      this.#rewoundTo = undefined;
      this.queue.push({ type: 'delta', meta: { ...frame.meta, baseVersion: frame.meta.baseVersion ?? '' }, document, bytes: bytes.length });
      return false;
    }
    const reason: FullReason = frame.kind === 'reset' ? 'reset' : this.#have === undefined ? 'initial' : 'behind';
    return this.#catchUp(reason, version);
  }

  /**
   * Delivers the latest checkpoint; true when the consumer has read past it and must rewind to replay the deltas
   * after it. `min`: the version whose record asked for it (0: none). A reset's own checkpoint follows its record
   * at once, so for a reset an older checkpoint is read again until the new one is there.
   */
  async #catchUp(reason: FullReason, min: number): Promise<boolean> {
    const backoff = new Backoff(25, 1000);
    for (let attempt = 1; !this.#closed; attempt++) {
      const read = await readFullState(this.#ctx, this.scope, this.#majors, { asText: this.#fullAsText });
      if (read.state === 'found') {
        const checkpoint = parseVersion(read.meta.version);
        const settled = reason !== 'reset' || checkpoint >= min || attempt >= FULL_READ_ATTEMPTS;
        if (settled && checkpoint < min && this.#rewoundTo === checkpoint) {
          // Replaying from this checkpoint already failed to chain: its deltas are gone. Wait for a newer one.
          this.#have = undefined;
          this.#position = Math.max(this.#position, min);
          this.#refuse(formatVersion(min), new IntegrityError(`the deltas after checkpoint ${checkpoint} of scope ${this.scope} are gone; waiting for a newer checkpoint`));
          return false;
        }
        if (settled) return this.#deliverCheckpoint(read, reason, min);
      } else if (read.state === 'refused' && (read.version === undefined || Number(read.version) >= min)) {
        if (read.version !== undefined) this.#position = Math.max(this.#position, Number(read.version));
        this.#refuse(read.version, read.error);
        return false;
      } else if (read.state === 'none' && min === 0) {
        return false;
      }
      if (attempt >= FULL_READ_ATTEMPTS) {
        this.#position = Math.max(this.#position, min);
        this.#refuse(formatVersion(min), new IntegrityError(`no full state at version ${min} or later for scope ${this.scope}`));
        return false;
      }
      await backoff.wait(this.abort.signal);
    }
    return false;
  }

  #deliverCheckpoint(read: Extract<FullRead, { state: 'found' }>, reason: FullReason, min: number): boolean {
    const checkpoint = parseVersion(read.meta.version);
    const readPast = Math.max(this.#cursor, this.#position);
    this.#have = checkpoint;
    this.#position = checkpoint;
    this.#assembler.reset();
    this.queue.push({ type: 'full', meta: read.meta, document: read.document, reason, bytes: read.bytes });
    if (readPast <= checkpoint) return false;
    // Records after the checkpoint were read already (or skipped): read them again from just after it.
    this.#cursor = checkpoint;
    if (checkpoint < min) this.#rewoundTo = checkpoint;
    return true;
  }

  #refuse(version: string | undefined, err: unknown): void {
    const error = err instanceof SchemaMajorError || err instanceof IntegrityError ? err : new IntegrityError(String(err), { cause: err });
    const key = `${version ?? '?'}:${error.message}`;
    if (this.#refused.has(key)) return;
    this.#refused.add(key);
    if (this.#refused.size > 256) this.#refused = new Set([key]);
    this.#log.warn({ version, err: error }, 'version refused');
    this.queue.push({ type: 'refused', version, error });
  }

  async #latestRecordVersion(): Promise<number | undefined> {
    const jsm = await this.#ctx.jsm();
    const last = await jsm.direct.getMessage(this.#ctx.names.snapStream, { last_by_subj: this.#ctx.names.deltaSubject(this.scope) });
    const text = last?.header.get(FRAME_HEADERS.version) ?? '';
    return /^[0-9]+$/.test(text) ? Number(text) : undefined;
  }
}
