import { parseAllDocuments } from 'yaml';
import { isPlain } from './fields.js';
import type { WorldDiagnostic } from './build-world.js';

export interface ParsedManifests {
  /** Every object of every document, `List` kinds flattened, in document order. */
  readonly objects: readonly unknown[];
  /** Documents that could not be read (YAML errors, non-object documents). */
  readonly diagnostics: readonly WorldDiagnostic[];
}

function flattenLists(value: unknown, out: unknown[]): void {
  if (isPlain(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    for (const item of value.items as unknown[]) flattenLists(item, out);
  } else {
    out.push(value);
  }
}

/** Multi-document YAML (or JSON) text → plain objects. Never throws; `source` names the text in diagnostics. */
export function parseManifests(text: string, source = 'manifests'): ParsedManifests {
  const objects: unknown[] = [];
  const diagnostics: WorldDiagnostic[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    const where = `${source} document ${i + 1}`;
    if (doc.errors.length > 0) {
      for (const error of doc.errors) diagnostics.push({ object: where, message: error.message });
      return;
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // empty document, e.g. a trailing `---`
    if (!isPlain(value)) {
      diagnostics.push({ object: where, message: 'is not a Kubernetes object' });
      return;
    }
    flattenLists(value, objects);
  });
  return { objects, diagnostics };
}
