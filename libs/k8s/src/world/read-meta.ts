import type { ObjectMetaView } from '@weft/model';
import { int, MalformedObjectError, optRecord, optStr, record, stringMap, str } from './fields.js';
import type { Plain } from './fields.js';

/** Reads `metadata`; `namespaced` objects get `defaultNamespace` when they have none (as kubectl does). */
export function readMeta(obj: Plain, namespaced: boolean, defaultNamespace: string): ObjectMetaView {
  const meta = record(obj.metadata, 'metadata');
  const name = str(meta.name, 'metadata.name');
  if (name === '') throw new MalformedObjectError('metadata.name', 'must not be empty');
  const namespace = namespaced ? (optStr(meta.namespace, 'metadata.namespace') ?? defaultNamespace) : '';
  const generation = meta.generation === undefined ? 0 : int(meta.generation, 'metadata.generation');
  const created = meta.creationTimestamp;
  return {
    namespace: namespace === '' && namespaced ? defaultNamespace : namespace,
    name,
    generation,
    creationTimestamp: typeof created === 'string' ? created : created instanceof Date ? created.toISOString() : '',
    labels: stringMap(meta.labels, 'metadata.labels'),
  };
}

/** `Kind namespace/name` (or as much as is readable) for diagnostics. */
export function describeObject(obj: unknown): string {
  const plain = typeof obj === 'object' && obj !== null ? (obj as Plain) : {};
  const kind = typeof plain.kind === 'string' ? plain.kind : '<no kind>';
  let meta: Plain | undefined;
  try {
    meta = optRecord(plain.metadata, 'metadata');
  } catch {
    meta = undefined;
  }
  const name = typeof meta?.name === 'string' ? meta.name : '<no name>';
  const ns = typeof meta?.namespace === 'string' && meta.namespace !== '' ? `${meta.namespace}/` : '';
  return `${kind} ${ns}${name}`;
}
