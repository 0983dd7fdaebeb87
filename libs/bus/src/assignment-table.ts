import { DeliverPolicy } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { BusContext } from './context.js';
import { PublishError } from './errors.js';
import { checkSchema, schemaMajor } from './frame.js';
import { ASSIGNMENT_SCHEMA, parseAssignment } from './assignment.js';
import { validateScopeId } from './ids.js';

const SCHEMA_HEADER = 'Weft-Assign-Schema';
const PULL_BATCH = 1_000;

/**
 * Every stored assignment, agent → scope, read in one pass over the assignment stream (one message per agent). A
 * control plane that takes over compares with this table instead of reading each agent's subject before writing
 * it: with tens of thousands of pods, one round trip each made the first pass after a takeover take most of a
 * minute. Unreadable entries are left out (the caller then overwrites them).
 */
export async function readAssignments(ctx: BusContext): Promise<Map<string, string>> {
  const table = new Map<string, string>();
  const stream = ctx.names.assignStream;
  const info = await (await ctx.jsm()).streams.info(stream);
  if (info.state.messages === 0) return table;
  const prefix = ctx.names.assignSubjects.slice(0, -1); // `weft.<cluster>.assign.`
  const consumer = await ctx.js.consumers.get(stream, { filter_subjects: ctx.names.assignSubjects, deliver_policy: DeliverPolicy.LastPerSubject });
  const messages = await consumer.consume({ max_messages: PULL_BATCH });
  try {
    for await (const m of messages) {
      try {
        checkSchema(m.headers?.get(SCHEMA_HEADER) ?? '', [schemaMajor(ASSIGNMENT_SCHEMA)]);
        table.set(m.subject.slice(prefix.length), parseAssignment(m.json<unknown>()));
      } catch {
        // Unreadable: not in the table, so it gets rewritten.
      }
      if (m.info.pending === 0) break;
    }
  } finally {
    await messages.close();
  }
  return table;
}

/** Stores an agent's scope without first reading what is stored (the caller compared with readAssignments). */
export async function storeAssignment(ctx: BusContext, agent: string, scope: string): Promise<void> {
  validateScopeId(scope);
  const h = headers();
  h.set(SCHEMA_HEADER, ASSIGNMENT_SCHEMA);
  try {
    await ctx.js.publish(ctx.names.assignSubject(agent), JSON.stringify({ scope }), { headers: h });
  } catch (err) {
    throw new PublishError(`assignment of agent ${agent} not stored: ${(err as Error).message}`, { cause: err });
  }
}
