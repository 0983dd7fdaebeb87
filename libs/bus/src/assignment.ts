import type { JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { Logger } from '@weft/telemetry';
import type { BusContext } from './context.js';
import { EventStream } from './event-stream.js';
import { BusError, IntegrityError, PublishError } from './errors.js';
import { checkSchema, schemaMajor } from './frame.js';
import { validateAgentId, validateScopeId } from './ids.js';
import { followOrdered, latestThenAfter } from './ordered.js';

/** Format of assignment documents `{ "scope": "<scope id>" }`; a watcher refuses a major it does not know. */
export const ASSIGNMENT_SCHEMA = '1.0';
const SCHEMA_HEADER = 'Weft-Assign-Schema';

/**
 * The agent id of a pod: `<namespace>_<pod>`, with the dots a pod name may hold turned into `~` (a dot would
 * split the NATS subject token). Namespaces are DNS labels (no dots, no underscores), so the id is unambiguous.
 */
export function agentIdOf(namespace: string, pod: string): string {
  return validateAgentId(`${namespace}_${pod.replaceAll('.', '~')}`);
}

/** Reads an assignment document; throws IntegrityError when it is not `{scope}` with a valid scope id. */
export function parseAssignment(value: unknown): string {
  if (typeof value !== 'object' || value === null) throw new IntegrityError('assignment is not an object');
  const scope = (value as Record<string, unknown>)['scope'];
  if (typeof scope !== 'string') throw new IntegrityError('assignment field scope is not a string');
  try {
    return validateScopeId(scope);
  } catch (err) {
    throw new IntegrityError(`assignment scope invalid: ${(err as Error).message}`, { cause: err });
  }
}

/** The scope stored for an agent, or undefined. */
async function readAssignment(ctx: BusContext, agent: string): Promise<string | undefined> {
  const jsm = await ctx.jsm();
  const stored = await jsm.direct.getMessage(ctx.names.assignStream, { last_by_subj: ctx.names.assignSubject(agent) });
  if (stored === null) return undefined;
  try {
    checkSchema(stored.header.get(SCHEMA_HEADER), [schemaMajor(ASSIGNMENT_SCHEMA)]);
    return parseAssignment(stored.json<unknown>());
  } catch {
    // Unreadable: the caller overwrites it.
    return undefined;
  }
}

/**
 * Stores the scope an agent follows (control-plane side). Nothing is sent when the stored value is already
 * `scope`; returns whether a message was published.
 */
export async function publishAssignment(ctx: BusContext, agent: string, scope: string): Promise<boolean> {
  const subject = ctx.names.assignSubject(agent);
  validateScopeId(scope);
  if ((await readAssignment(ctx, agent)) === scope) return false;
  const h = headers();
  h.set(SCHEMA_HEADER, ASSIGNMENT_SCHEMA);
  try {
    await ctx.js.publish(subject, JSON.stringify({ scope }), { headers: h });
  } catch (err) {
    throw new PublishError(`assignment of agent ${agent} not stored: ${(err as Error).message}`, { cause: err });
  }
  return true;
}

/** Forgets an agent's assignment (its pod is gone). */
export async function deleteAssignment(ctx: BusContext, agent: string): Promise<void> {
  const subject = ctx.names.assignSubject(agent);
  const jsm = await ctx.jsm();
  await jsm.streams.purge(ctx.names.assignStream, { filter: subject });
}

/** The scope of one agent: the current one (if any), then each change. `close()` (or leaving the loop) ends it. */
export interface AssignmentWatch extends AsyncIterable<string>, AsyncDisposable {
  readonly agent: string;
  close(): Promise<void>;
}

/**
 * Watches one agent's assignment (agent side): an ordered consumer delivering the stored message, then new
 * ones; after a failure (a nats-server restart) it resumes after the last sequence read. Repeats of the same
 * scope are not delivered again; unreadable documents are logged and skipped.
 */
export function watchAssignment(ctx: BusContext, agent: string): AssignmentWatch {
  return new AssignmentWatcher(ctx, validateAgentId(agent));
}

class AssignmentWatcher extends EventStream<string> implements AssignmentWatch {
  readonly agent: string;
  readonly #log: Logger;
  #cursor = 0;
  #last: string | undefined;

  constructor(ctx: BusContext, agent: string) {
    super(ctx);
    this.agent = agent;
    this.#log = ctx.logger.child({ watch: 'assignment', agent });
    this.done = followOrdered(ctx, {
      stream: ctx.names.assignStream,
      filter: ctx.names.assignSubject(agent),
      startAt: () => latestThenAfter(this.#cursor),
      onMessage: (m) => {
        this.#cursor = m.seq;
        this.#onMessage(m);
      },
      maxMessages: 8,
      signal: this.abort.signal,
      log: this.#log,
    });
  }

  #onMessage(m: JsMsg): void {
    try {
      checkSchema(m.headers?.get(SCHEMA_HEADER) ?? '', [schemaMajor(ASSIGNMENT_SCHEMA)]);
      const scope = parseAssignment(m.json<unknown>());
      if (scope === this.#last) return;
      this.#last = scope;
      this.queue.push(scope);
    } catch (err) {
      const error = err instanceof BusError ? err : new IntegrityError(`unreadable assignment on ${m.subject}`, { cause: err });
      this.#log.warn({ subject: m.subject, err: error }, 'assignment refused');
    }
  }
}
