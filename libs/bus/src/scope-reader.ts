import { setTimeout } from 'node:timers/promises';
import { ChunkAssembler, decodeBody } from './codec.js';
import type { BusContext } from './context.js';
import { IntegrityError } from './errors.js';
import { readFrame, readFullState, readSubject } from './full-reader.js';
import type { AcceptedMajors } from './full-reader.js';
import { formatVersion, parseVersion } from './version.js';
import type { DeltaMessage, FullMessage } from './types.js';

/** A scope's latest state as stored: its latest checkpoint and every delta after it, in order. */
export interface ScopeState {
  readonly full: FullMessage;
  /** Each applies to the one before (the first to `full`); the last is the latest version. */
  readonly deltas: readonly DeltaMessage[];
}

const ATTEMPTS = 3;

/**
 * Reads the latest checkpoint of a scope and the delta records after it. When a record does not chain (a reset:
 * a newer checkpoint was stored meanwhile) it reads again. Undefined before the first version; throws the error
 * of a refused checkpoint, or IntegrityError when no chain from a checkpoint to the latest version can be read.
 */
export async function readScopeState(ctx: BusContext, scope: string, acceptedMajors: AcceptedMajors): Promise<ScopeState | undefined> {
  let problem = 'no attempt';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const read = await readFullState(ctx, scope, acceptedMajors);
    if (read.state === 'none') return undefined;
    if (read.state === 'refused') throw read.error;
    const full: FullMessage = { type: 'full', meta: read.meta, document: read.document, reason: 'initial', bytes: read.bytes };
    const checkpoint = parseVersion(read.meta.version);
    const jsm = await ctx.jsm();
    const subject = ctx.names.deltaSubject(scope);
    const last = await jsm.direct.getMessage(ctx.names.snapStream, { last_by_subj: subject });
    if (last === null || last.seq <= checkpoint) return { full, deltas: [] };
    const assembler = new ChunkAssembler();
    const deltas: DeltaMessage[] = [];
    let have = checkpoint;
    let broken = false;
    for (const m of await readSubject(ctx, subject, checkpoint + 1, last.seq)) {
      const read = readFrame(m, acceptedMajors);
      if ('state' in read) throw read.error;
      if (parseVersion(read.frame.meta.version) <= have) continue;
      const assembled = assembler.add(read.frame, m.data);
      if (assembled.state === 'pending') continue;
      const header = assembled.state === 'complete' ? assembled.header : undefined;
      if (header === undefined || assembled.state !== 'complete' || header.kind !== 'delta' || header.meta.baseVersion !== formatVersion(have)) {
        // A record cut short, or a reset: a newer checkpoint came meanwhile (or is coming); read again.
        broken = true;
        problem = header === undefined ? 'a record was cut short' : `version ${header.meta.version} does not follow ${have}`;
        break;
      }
      const document = await decodeBody(header.encoding, assembled.bytes, header.bodySha256);
      deltas.push({ type: 'delta', meta: { ...header.meta, baseVersion: formatVersion(have) }, document, bytes: assembled.bytes.length });
      have = parseVersion(header.meta.version);
    }
    if (!broken) return { full, deltas };
    // A reset's checkpoint is written right after its record: give it a moment.
    await setTimeout(50 * (attempt + 1));
  }
  throw new IntegrityError(`no chain from a checkpoint to the latest version of scope ${scope} could be read (${problem})`);
}
