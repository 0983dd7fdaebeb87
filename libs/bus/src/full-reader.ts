import type { StoredMsg } from '@nats-io/jetstream';
import { ChunkAssembler, decodeBody } from './codec.js';
import type { BusContext } from './context.js';
import { IntegrityError, SchemaMajorError } from './errors.js';
import { checkSchema, FRAME_HEADERS, readFrameHeader } from './frame.js';
import type { FrameHeader } from './frame.js';
import type { ScopeMeta } from './types.js';

export type FullRead =
  | { readonly state: 'found'; readonly meta: ScopeMeta; readonly document: unknown; readonly bytes: number }
  | { readonly state: 'refused'; readonly version: string | undefined; readonly error: SchemaMajorError | IntegrityError }
  /** Nothing (complete) published for the scope yet. */
  | { readonly state: 'none' };

type Refused = Extract<FullRead, { state: 'refused' }>;
type Frame = { readonly frame: FrameHeader };

/** A stored message, whichever way it was read. */
export interface Stored {
  readonly seq: number;
  readonly data: Uint8Array;
  header(name: string): string;
}

/** The messages a scan of a full subject reads at most: it holds at most max_msgs_per_subject of them. */
const SCAN_LIMIT = 1000;
const SCAN_EXPIRES_MS = 2000;

/**
 * Reads the latest complete full state (checkpoint) of a scope; later versions exist as delta records only. Usually the last message on the full subject (one direct
 * get) is the last chunk of the latest state, and its chunks sit back to back before it (a chain): a
 * one-chunk state is read at once, a larger one through an ordered consumer from its first chunk. When that
 * state is incomplete (a publisher cut off mid-chain), every message left on the subject is read and the
 * latest complete state among them wins. Every request names the scope's subject (direct get by subject,
 * consumer filtered on it), so NATS permissions can confine an agent to its scopes.
 */
export async function readFullState(ctx: BusContext, scope: string, acceptedMajors: AcceptedMajors, options: ReadOptions = {}): Promise<FullRead> {
  const jsm = await ctx.jsm();
  const stream = ctx.names.snapStream;
  const subject = ctx.names.fullSubject(scope);
  const stored = await jsm.direct.getMessage(stream, { last_by_subj: subject });
  if (stored === null) return { state: 'none' };
  const last = fromStored(stored);
  const head = readFrame(last, acceptedMajors);
  if ('state' in head) return head;
  if (head.frame.index === head.frame.count - 1) {
    const msgs = head.frame.count === 1 ? [last] : await readSubject(ctx, subject, last.seq - head.frame.count + 1, last.seq);
    const read = await assembleLatest(msgs, acceptedMajors, options);
    if (read.state === 'found' && read.meta.version === head.frame.meta.version) return read;
  }
  const all = await readSubject(ctx, subject, 1, last.seq);
  const read = await assembleLatest(all, acceptedMajors, options);
  return read.state === 'none' ? refused(head.frame.meta.version, new IntegrityError(`no complete full state on ${subject}`)) : read;
}

/** Which schema majors a read accepts; the publisher reads its own heads in any. */
export type AcceptedMajors = readonly number[] | 'any';

export interface ReadOptions {
  /** The document as its JSON text (a string), not parsed. */
  readonly asText?: boolean;
}

/**
 * Version and hash of the latest version of a scope, from the headers of the last message on its delta subject
 * (every version has a record there; no body is read). Undefined before the first version, and when that record
 * is cut short (a publisher stopped mid-chain): the next version is then published as a reset.
 */
export async function readRecordHead(ctx: BusContext, scope: string): Promise<ScopeMeta | undefined> {
  const jsm = await ctx.jsm();
  const stored = await jsm.streams.getMessage(ctx.names.snapStream, { last_by_subj: ctx.names.deltaSubject(scope) });
  if (stored === null) return undefined;
  const head = readFrame(fromStored(stored), 'any');
  return !('state' in head) && head.frame.index === head.frame.count - 1 ? head.frame.meta : undefined;
}

function fromStored(m: StoredMsg): Stored {
  return { seq: m.seq, data: m.data, header: (name) => m.header.get(name) };
}

/** The messages of `subject` with sequences in [from, to], through a short-lived ordered consumer. */
export async function readSubject(ctx: BusContext, subject: string, from: number, to: number): Promise<Stored[]> {
  const consumer = await ctx.js.consumers.get(ctx.names.snapStream, { filter_subjects: subject, opt_start_seq: Math.max(1, from) });
  const out: Stored[] = [];
  const messages = await consumer.fetch({ max_messages: SCAN_LIMIT, expires: SCAN_EXPIRES_MS });
  for await (const m of messages) {
    out.push({ seq: m.seq, data: m.data, header: (name) => m.headers?.get(name) ?? '' });
    if (m.seq >= to || m.info.pending === 0) break;
  }
  messages.stop();
  return out;
}

/** Assembles the frames in order and returns the latest complete, decodable state (or the latest refusal). */
async function assembleLatest(msgs: readonly Stored[], acceptedMajors: AcceptedMajors, options: ReadOptions): Promise<FullRead> {
  const assembler = new ChunkAssembler();
  const complete: { header: FrameHeader; bytes: Uint8Array }[] = [];
  let lastRefusal: Refused | undefined;
  for (const m of msgs) {
    const read = readFrame(m, acceptedMajors);
    if ('state' in read) {
      lastRefusal = read;
      assembler.reset();
      continue;
    }
    const result = assembler.add(read.frame, m.data);
    if (result.state === 'complete' && result.header.kind === 'full') complete.push({ header: result.header, bytes: result.bytes });
  }
  for (const { header, bytes } of complete.reverse()) {
    if (lastRefusal?.version !== undefined && Number(lastRefusal.version) > Number(header.meta.version)) return lastRefusal;
    try {
      const document = await decodeBody(header.encoding, bytes, header.bodySha256, options);
      return { state: 'found', meta: header.meta, document, bytes: bytes.length };
    } catch (err) {
      lastRefusal ??= refused(header.meta.version, err instanceof IntegrityError ? err : new IntegrityError(String(err), { cause: err }));
    }
  }
  return lastRefusal ?? { state: 'none' };
}

export function readFrame(m: Stored, acceptedMajors: AcceptedMajors): Frame | Refused {
  const get = (name: string): string => m.header(name);
  try {
    if (acceptedMajors !== 'any') checkSchema(get(FRAME_HEADERS.schema), acceptedMajors);
    return { frame: readFrameHeader(get) };
  } catch (err) {
    const version = get(FRAME_HEADERS.version);
    const error = err instanceof SchemaMajorError || err instanceof IntegrityError ? err : new IntegrityError(String(err), { cause: err });
    return refused(version === '' ? undefined : version, error);
  }
}

function refused(version: string | undefined, error: SchemaMajorError | IntegrityError): Refused {
  return { state: 'refused', version, error };
}
