import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { StreamConfig, StreamInfo } from '@nats-io/jetstream';
import type { BusContext } from './context.js';

export interface StreamOptions {
  /**
   * Messages the snap stream keeps per subject (default 128). On a scope's delta subject that is its recent
   * delta records (chunks count): how far behind an agent may fall and still resume without the full state.
   * It also caps the chunks of one full state, which shares the limit.
   */
  readonly maxMessagesPerSubject?: number;
  /** Stream replicas (default 1; 3 on a clustered JetStream). */
  readonly replicas?: number;
  /** File storage (default): the state survives a nats-server restart. Memory is for throwaway setups. */
  readonly storage?: 'file' | 'memory';
}

export const DEFAULT_MAX_MESSAGES_PER_SUBJECT = 128;

/** What ensureStreams found and did, per stream. */
export interface EnsureStreamsResult {
  readonly snap: 'created' | 'updated' | 'unchanged';
  readonly status: 'created' | 'updated' | 'unchanged';
}

type Wanted = Partial<StreamConfig> & { name: string };

/**
 * Creates or updates the cluster's three streams; idempotent. Never deletes one: the snap stream's sequence is
 * the version counter, and a deleted stream would start it again from 1.
 *
 * - snap: limits retention, `max_msgs_per_subject` recent records per scope; the publisher purges older
 *   states from the full subject; direct get so agents read full states from any replica.
 * - status: one message per agent subject (`max_msgs_per_subject: 1`): the latest status of every agent.
 * - assign: one message per agent subject: the scope each agent follows. Its outcome is logged, not returned,
 *   so the result keeps the shape callers already compare.
 */
export async function ensureStreams(ctx: BusContext, options: StreamOptions = {}): Promise<EnsureStreamsResult> {
  const perSubject = options.maxMessagesPerSubject ?? DEFAULT_MAX_MESSAGES_PER_SUBJECT;
  if (!Number.isSafeInteger(perSubject) || perSubject < 2) throw new RangeError(`maxMessagesPerSubject ${perSubject} < 2`);
  const common = {
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    storage: options.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: options.replicas ?? 1,
    allow_direct: true,
  };
  const snap: Wanted = {
    ...common,
    name: ctx.names.snapStream,
    subjects: [ctx.names.snapSubjects],
    max_msgs_per_subject: perSubject,
    description: `Weft snapshots of cluster ${ctx.names.cluster}: per scope, delta records and the latest full state`,
  };
  const status: Wanted = {
    ...common,
    name: ctx.names.statusStream,
    subjects: [ctx.names.statusSubjects],
    max_msgs_per_subject: 1,
    description: `Weft agent status of cluster ${ctx.names.cluster}: the latest report of each agent`,
  };
  const assign: Wanted = {
    ...common,
    name: ctx.names.assignStream,
    subjects: [ctx.names.assignSubjects],
    max_msgs_per_subject: 1,
    description: `Weft scope assignments of cluster ${ctx.names.cluster}: the scope each agent follows`,
  };
  const result = { snap: await ensureStream(ctx, snap), status: await ensureStream(ctx, status) };
  await ensureStream(ctx, assign);
  return result;
}

async function ensureStream(ctx: BusContext, wanted: Wanted): Promise<'created' | 'updated' | 'unchanged'> {
  const jsm = await ctx.jsm();
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(wanted.name);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.StreamNotFound) throw err;
    await jsm.streams.add(wanted);
    ctx.logger.info({ stream: wanted.name }, 'stream created');
    return 'created';
  }
  if (differs(info.config, wanted)) {
    // Storage cannot change in place; everything else the bus relies on can.
    const { storage: _storage, ...update } = wanted;
    await jsm.streams.update(wanted.name, { ...info.config, ...update });
    ctx.logger.info({ stream: wanted.name }, 'stream updated');
    return 'updated';
  }
  return 'unchanged';
}

function differs(have: StreamConfig, wanted: Wanted): boolean {
  const keys = ['max_msgs_per_subject', 'allow_direct', 'num_replicas', 'discard', 'description'] as const;
  if (keys.some((k) => wanted[k] !== undefined && (have[k] ?? false) !== wanted[k])) return true;
  return JSON.stringify(have.subjects) !== JSON.stringify(wanted.subjects);
}
