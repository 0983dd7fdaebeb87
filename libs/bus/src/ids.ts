import { InvalidIdError } from './errors.js';

// A cluster id also names streams, so it keeps to the characters stream names and file stores accept everywhere.
const CLUSTER_ID = /^[A-Za-z0-9_-]{1,64}$/;
// Scope and agent ids are single subject tokens: no dot (separator), no `*`/`>` (wildcards), no whitespace,
// nothing a permission or a log would have to escape.
const TOKEN_ID = /^[A-Za-z0-9_:=@+~-]{1,200}$/;

function reason(value: string, max: number, alphabet: string): string {
  if (value.length === 0) return 'empty';
  if (value.length > max) return `longer than ${max} characters`;
  if (/\s/.test(value)) return 'contains whitespace';
  if (value.includes('.')) return 'contains "." (the subject separator)';
  if (value.includes('*') || value.includes('>')) return 'contains a wildcard ("*" or ">")';
  return `contains a character outside ${alphabet}`;
}

/** Checks a cluster id: `[A-Za-z0-9_-]{1,64}`, the prefix of every subject and stream of that cluster. */
export function validateClusterId(value: string): string {
  if (!CLUSTER_ID.test(value)) {
    throw new InvalidIdError('cluster', value, reason(value, 64, '[A-Za-z0-9_-]'));
  }
  return value;
}

/** Checks a scope id: one NATS subject token of `[A-Za-z0-9_:=@+~-]`, at most 200 characters. */
export function validateScopeId(value: string): string {
  if (!TOKEN_ID.test(value)) throw new InvalidIdError('scope', value, reason(value, 200, '[A-Za-z0-9_:=@+~-]'));
  return value;
}

/** Checks an agent id: the same alphabet as scopes (use e.g. `<namespace>_<pod>`: pod names may hold dots). */
export function validateAgentId(value: string): string {
  if (!TOKEN_ID.test(value)) throw new InvalidIdError('agent', value, reason(value, 200, '[A-Za-z0-9_:=@+~-]'));
  return value;
}
