import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { SNAPSHOT_SCHEMA } from '@weft/model';
import { CHAIN_HEADER_RESERVE, publishChain, WrongLastSequenceError } from './chain.js';
import type { ChainMessage } from './chain.js';
import { encodeBody, splitChunks } from './codec.js';
import type { DocumentSource, EncodedBody } from './codec.js';
import type { BusContext } from './context.js';
import { PayloadTooLargeError, PublishError, VersionConflictError } from './errors.js';
import { frameHeaderEntries, headerBlockBytes, schemaMajor } from './frame.js';
import { readRecordHead } from './full-reader.js';
import type { FrameHeader, FrameKind } from './frame.js';
import { validateScopeId } from './ids.js';
import { formatVersion } from './version.js';
import type { DeltaState, FullState, PublishResult, ScopeMeta } from './types.js';

export interface PublisherOptions {
  /** Bodies whose JSON is larger than this are gzip-compressed (default 4096 bytes). */
  readonly compressAboveBytes?: number;
  /** Attempts to claim a version when another publisher moves the stream in between (default 5). */
  readonly maxAttempts?: number;
  /** Most versions of a scope between two checkpoints (default 64; 1 stores the full state with every version). */
  readonly checkpointEvery?: number;
  /**
   * A checkpoint is also stored once the deltas since the last one add up to this fraction of its size (default
   * 0.5), so a subscriber that reads the full state never receives much more than the state itself.
   */
  readonly checkpointDeltaRatio?: number;
}

/** The latest published version of a scope. */
export interface ScopeHead {
  readonly version: string;
  readonly hash: string;
}

interface StreamPosition {
  lastSeq: number;
  /** max_msgs_per_subject of the stream (UNLIMITED_CHUNKS when unlimited). */
  maxChunks: number;
}

/** What this publisher stored since a scope's last checkpoint. */
interface CheckpointTrack {
  /** Versions after the checkpoint. */
  versions: number;
  /** Messages on the delta subject after the checkpoint's own record. */
  messages: number;
  deltaBytes: number;
  readonly fullBytes: number;
}

/**
 * Publishes versions of scopes (control-plane side). One publisher per process; calls are serialised so
 * every version is claimed in order.
 *
 * A version is one chain of messages in the snap stream: its record on the scope's delta subject (the delta, or a
 * reset marker), then, when it is a checkpoint, its full state on the full subject; older full states are purged
 * once one is stored. A reset is always a checkpoint; otherwise only every `checkpointEvery` versions, when the
 * deltas since the last checkpoint outgrow `checkpointDeltaRatio` of it, and before the delta subject's retention
 * (max_msgs_per_subject) could drop a record that a subscriber needs to go from the checkpoint to the latest
 * version: the records after a checkpoint are kept under half the limit. So a version costs O(change), and the
 * whole state is encoded only now and then. The chain's first message expects the stream's last sequence to be
 * what this publisher last saw, so the version (that first message's sequence) is claimed exactly once and only
 * grows, across restarts and failovers alike: it lives in JetStream.
 */
export class ScopePublisher {
  readonly #ctx: BusContext;
  readonly #compressAbove: number;
  readonly #maxAttempts: number;
  readonly #checkpointEvery: number;
  readonly #checkpointRatio: number;
  readonly #heads = new Map<string, ScopeHead | null>();
  /** Per scope, since the last checkpoint this publisher stored; absent: unknown, the next version is a checkpoint. */
  readonly #tracks = new Map<string, CheckpointTrack>();
  #position: StreamPosition | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: BusContext, options: PublisherOptions = {}) {
    this.#ctx = ctx;
    this.#compressAbove = options.compressAboveBytes ?? 4096;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#checkpointEvery = options.checkpointEvery ?? 64;
    this.#checkpointRatio = options.checkpointDeltaRatio ?? 0.5;
    if (!Number.isSafeInteger(this.#checkpointEvery) || this.#checkpointEvery < 1) throw new RangeError(`checkpointEvery ${this.#checkpointEvery} < 1`);
    if (!(this.#checkpointRatio > 0)) throw new RangeError(`checkpointDeltaRatio ${this.#checkpointRatio} must be > 0`);
  }

  /**
   * Publishes `full` as the scope's next version, with `delta` when it applies to the latest published state
   * (`delta.baseHash` equals its hash); otherwise subscribers get a reset and read the full state. A full state
   * whose hash equals the latest publishes nothing and returns the existing version. The full state is encoded
   * only when this version is a checkpoint.
   */
  publishScope(scope: string, full: FullState, delta?: DeltaState): Promise<PublishResult> {
    validateScopeId(scope);
    schemaMajor(full.schema ?? SNAPSHOT_SCHEMA);
    const run = this.#queue.then(() => this.#publish(scope, full, delta, 1));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The latest published version of a scope, read from JetStream on first use; undefined before any. */
  async head(scope: string): Promise<ScopeHead | undefined> {
    validateScopeId(scope);
    const known = this.#heads.get(scope);
    if (known !== undefined) return known ?? undefined;
    const meta = await readRecordHead(this.#ctx, scope);
    const head = meta === undefined ? null : { version: meta.version, hash: meta.hash };
    this.#heads.set(scope, head);
    return head ?? undefined;
  }

  async #publish(scope: string, full: FullState, delta: DeltaState | undefined, attempt: number): Promise<PublishResult> {
    const position = await this.#streamPosition();
    const head = await this.head(scope);
    if (head !== undefined && head.hash === full.hash) {
      return { scope, version: head.version, hash: head.hash, published: false, record: 'none', messages: 0, deltaBytes: 0, checkpoint: false, fullBytes: 0 };
    }
    const withDelta = delta !== undefined && head !== undefined && delta.baseHash === head.hash;
    const deltaBody = withDelta ? await encodeBody(deltaSource(delta), { compressAboveBytes: this.#compressAbove }) : undefined;
    const version = formatVersion(position.lastSeq + 1);
    const meta: ScopeMeta = { schema: full.schema ?? SNAPSHOT_SCHEMA, cluster: this.#ctx.names.cluster, scope, version, hash: full.hash };
    const record =
      deltaBody === undefined || head === undefined
        ? this.#frames('reset', meta, { encoding: 'json', bytes: new Uint8Array(0), sha256: EMPTY_SHA256, jsonBytes: 0 }, position)
        : this.#frames('delta', { ...meta, baseVersion: head.version }, deltaBody, position);
    const track = this.#tracks.get(scope);
    const checkpoint = deltaBody === undefined || track === undefined || this.#checkpointDue(track, record.length, deltaBody.bytes.length, position);
    const fullBody = checkpoint ? await encodeBody(fullSource(full), { compressAboveBytes: this.#compressAbove }) : undefined;
    const state = fullBody === undefined ? [] : this.#frames('full', meta, fullBody, position);
    const messages = [...record, ...state];
    try {
      const ack = await publishChain(this.#ctx.js, messages, position.lastSeq, this.#ctx.timeoutMs);
      position.lastSeq = ack.lastSeq;
      if (state.length > 0) await this.#purgeOlderFulls(scope, ack.lastSeq - state.length + 1);
    } catch (err) {
      // Whatever happened, what this publisher believes about the stream may be stale now. Another publisher may
      // have written any scope: every head is read again, and every scope's next version is a checkpoint.
      this.#position = undefined;
      this.#heads.clear();
      this.#tracks.clear();
      if (!(err instanceof WrongLastSequenceError)) throw err;
      if (attempt >= this.#maxAttempts) {
        throw new VersionConflictError(`could not claim a version for scope ${scope} in ${attempt} attempts: another publisher is active`, { cause: err });
      }
      this.#ctx.logger.warn({ scope, attempt }, 'the snap stream moved under this publisher; claiming a new version');
      return this.#publish(scope, full, delta, attempt + 1);
    }
    this.#heads.set(scope, { version, hash: full.hash });
    if (fullBody !== undefined) this.#tracks.set(scope, { versions: 0, messages: 0, deltaBytes: 0, fullBytes: fullBody.bytes.length });
    else if (track !== undefined && deltaBody !== undefined) {
      track.versions++;
      track.messages += record.length;
      track.deltaBytes += deltaBody.bytes.length;
    }
    const result: PublishResult = {
      scope,
      version,
      hash: full.hash,
      published: true,
      record: deltaBody === undefined ? 'reset' : 'delta',
      messages: messages.length,
      deltaBytes: deltaBody?.bytes.length ?? 0,
      checkpoint: fullBody !== undefined,
      fullBytes: fullBody?.bytes.length ?? 0,
    };
    this.#ctx.logger.debug(result, 'scope published');
    return result;
  }

  /** Whether the version about to be published (its record `chunks` long, `bytes` stored) must be a checkpoint. */
  #checkpointDue(track: CheckpointTrack, chunks: number, bytes: number, position: StreamPosition): boolean {
    if (track.versions + 1 >= this.#checkpointEvery) return true;
    if (track.deltaBytes + bytes > this.#checkpointRatio * track.fullBytes) return true;
    // Records after the checkpoint stay under half the per-subject limit, so even this version's own record (written
    // before its checkpoint) cannot push out one that a reader of the previous checkpoint still needs.
    return track.messages + chunks > Math.floor(position.maxChunks / 2);
  }

  /** Keeps only the state just stored on the scope's full subject. A failure only leaves old states behind. */
  async #purgeOlderFulls(scope: string, firstFullSeq: number): Promise<void> {
    try {
      const jsm = await this.#ctx.jsm();
      await jsm.streams.purge(this.#ctx.names.snapStream, { filter: this.#ctx.names.fullSubject(scope), seq: firstFullSeq });
    } catch (err) {
      this.#ctx.logger.warn({ scope, err }, 'older full states not purged');
    }
  }

  #frames(kind: FrameKind, meta: ScopeMeta, body: EncodedBody, position: StreamPosition): ChainMessage[] {
    const subject = kind === 'full' ? this.#ctx.names.fullSubject(meta.scope) : this.#ctx.names.deltaSubject(meta.scope);
    const sample: FrameHeader = { kind, meta, encoding: body.encoding, bodySha256: body.sha256, index: 999, count: 1000 };
    const overhead = headerBlockBytes(frameHeaderEntries(sample)) + CHAIN_HEADER_RESERVE + SLACK_BYTES;
    const room = this.#ctx.maxPayload() - overhead;
    if (room < MIN_CHUNK_BYTES) {
      throw new PayloadTooLargeError(`the headers of a ${kind} frame (server max_payload ${this.#ctx.maxPayload()})`, 1, 0);
    }
    const chunks = splitChunks(body.bytes, room);
    if (chunks.length > position.maxChunks) throw new PayloadTooLargeError(`${kind} of scope ${meta.scope}`, chunks.length, position.maxChunks);
    return chunks.map((data, index) => {
      const entries = frameHeaderEntries({ kind, meta, encoding: body.encoding, bodySha256: body.sha256, index, count: chunks.length });
      return { subject, headers: entries, data };
    });
  }

  async #streamPosition(): Promise<StreamPosition> {
    if (this.#position !== undefined) return this.#position;
    const jsm = await this.#ctx.jsm();
    try {
      const info = await jsm.streams.info(this.#ctx.names.snapStream);
      const perSubject = info.config.max_msgs_per_subject;
      this.#position = { lastSeq: info.state.last_seq, maxChunks: perSubject > 0 ? perSubject : UNLIMITED_CHUNKS };
      return this.#position;
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) {
        throw new PublishError(`stream ${this.#ctx.names.snapStream} does not exist: call ensureStreams() first`, { cause: err });
      }
      throw err;
    }
  }
}

function fullSource(full: FullState): DocumentSource {
  return full.json === undefined ? { value: full.document } : { json: full.json() };
}

function deltaSource(delta: DeltaState): DocumentSource {
  return delta.json === undefined ? { value: delta.document } : { json: delta.json };
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
// Without a per-subject limit, chunks are still bounded: a scan of the full subject reads at most 1000.
const UNLIMITED_CHUNKS = 1000;
const SLACK_BYTES = 64;
const MIN_CHUNK_BYTES = 256;
