import type { JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { Logger } from '@weft/telemetry';
import { Backoff } from './backoff.js';
import type { BusContext } from './context.js';
import { EventStream } from './event-stream.js';
import { BusError, IntegrityError, PublishError } from './errors.js';
import { checkSchema, schemaMajor } from './frame.js';
import { validateAgentId, validateScopeId } from './ids.js';
import { followOrdered, latestThenAfter } from './ordered.js';
import { parseVersion } from './version.js';
import type { AgentStatus, StatusEvent } from './types.js';

/** Format of status documents; a watcher refuses a major it does not know. */
export const STATUS_SCHEMA = '1.0';
const SCHEMA_HEADER = 'Weft-Status-Schema';
/** Longer errors are cut: a status is a summary, and must fit any server's max_payload. */
export const MAX_STATUS_ERROR_CHARS = 4096;

/** Publishes an agent's status to `weft.<cluster>.status.<agent>`; JetStream keeps the latest per agent. */
export async function reportStatus(ctx: BusContext, status: AgentStatus): Promise<void> {
  validateAgentId(status.agent);
  validateScopeId(status.scope);
  if (status.appliedVersion !== null) parseVersion(status.appliedVersion);
  const lastError = status.lastError === null ? null : status.lastError.slice(0, MAX_STATUS_ERROR_CHARS);
  const h = headers();
  h.set(SCHEMA_HEADER, STATUS_SCHEMA);
  try {
    // Acked as js.publish acks it, matched on the bus's one ack inbox (acked-publish.ts: a request per report cost
    // a tenth of an agent's CPU per version).
    await ctx.acked().publish(ctx.names.statusSubject(status.agent), JSON.stringify({ ...status, lastError }), h);
  } catch (err) {
    throw new PublishError(`status of agent ${status.agent} not stored: ${(err as Error).message}`, { cause: err });
  }
}

export interface WatchStatusOptions {
  /** Status schema majors this side reads (default: the major of `STATUS_SCHEMA`). */
  readonly acceptSchemaMajors?: readonly number[];
}

/** Every agent's latest status, then each new one. Iterate once; `close()` (or leaving the loop) ends it. */
export interface StatusWatch extends AsyncIterable<StatusEvent>, AsyncDisposable {
  close(): Promise<void>;
}

/**
 * Watches the status stream (control-plane side): an ordered consumer delivering the last message per
 * agent subject, then new ones, so a restarted control plane sees every agent at once. After a failure it
 * resumes from the last sequence read.
 */
export function watchStatus(ctx: BusContext, options: WatchStatusOptions = {}): StatusWatch {
  return new StatusWatcher(ctx, options.acceptSchemaMajors ?? [schemaMajor(STATUS_SCHEMA)]);
}

/** The latest status of every agent, read once. */
export async function listStatus(ctx: BusContext): Promise<AgentStatus[]> {
  const latest = new Map<string, AgentStatus>();
  await using watch = watchStatus(ctx);
  for await (const event of watch) {
    if (event.type === 'status') latest.set(event.status.agent, event.status);
    if (event.type === 'caught-up') break;
  }
  return [...latest.values()].sort((a, b) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0));
}

class StatusWatcher extends EventStream<StatusEvent> implements StatusWatch {
  readonly #ctx: BusContext;
  readonly #log: Logger;
  readonly #majors: readonly number[];
  #cursor = 0;
  #caughtUp = false;

  constructor(ctx: BusContext, majors: readonly number[]) {
    super(ctx);
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ watch: 'status' });
    this.#majors = majors;
    this.done = this.#run();
  }

  async #run(): Promise<void> {
    const stream = this.#ctx.names.statusStream;
    const backoff = new Backoff(100, 2000);
    for (;;) {
      try {
        const info = await (await this.#ctx.jsm()).streams.info(stream);
        if (info.state.messages === 0) this.#markCaughtUp();
        break;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.#log.warn({ err }, 'reading the status stream failed; retrying');
        await backoff.wait(this.abort.signal);
      }
    }
    await followOrdered(this.#ctx, {
      stream,
      filter: this.#ctx.names.statusSubjects,
      startAt: () => latestThenAfter(this.#cursor),
      onMessage: (m) => {
        this.#cursor = m.seq;
        this.#onMessage(m);
        if (!this.#caughtUp && m.info.pending === 0) this.#markCaughtUp();
      },
      maxMessages: 256,
      signal: this.abort.signal,
      log: this.#log,
    });
  }

  #markCaughtUp(): void {
    this.#caughtUp = true;
    this.queue.push({ type: 'caught-up' });
  }

  #onMessage(m: JsMsg): void {
    try {
      checkSchema(m.headers?.get(SCHEMA_HEADER) ?? '', this.#majors);
      const agent = this.#ctx.names.agentOfStatusSubject(m.subject);
      const status = parseStatus(m.json<unknown>());
      if (status.agent !== agent) throw new IntegrityError(`status of agent ${status.agent} published on ${m.subject}`);
      this.queue.push({ type: 'status', status });
    } catch (err) {
      const error = err instanceof BusError ? err : new IntegrityError(`unreadable status on ${m.subject}`, { cause: err });
      this.#log.warn({ subject: m.subject, err: error }, 'status refused');
      this.queue.push({ type: 'refused', subject: m.subject, error });
    }
  }
}

/** Checks the shape of a status document; throws IntegrityError naming the first bad field. */
export function parseStatus(value: unknown): AgentStatus {
  if (typeof value !== 'object' || value === null) throw new IntegrityError('status is not an object');
  const v = value as Record<string, unknown>;
  const str = (k: string): string => {
    if (typeof v[k] !== 'string') throw new IntegrityError(`status field ${k} is not a string`);
    return v[k];
  };
  const strOrNull = (k: string): string | null => (v[k] === null ? null : str(k));
  const numOrNull = (k: string): number | null => {
    if (v[k] === null) return null;
    if (typeof v[k] !== 'number' || !Number.isFinite(v[k])) throw new IntegrityError(`status field ${k} is not a number`);
    return v[k];
  };
  return {
    agent: str('agent'),
    scope: str('scope'),
    appliedVersion: strOrNull('appliedVersion'),
    hash: strOrNull('hash'),
    applyLatencyMs: numOrNull('applyLatencyMs'),
    lastError: strOrNull('lastError'),
    at: str('at'),
  };
}
