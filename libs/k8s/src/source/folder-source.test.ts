import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createLogger } from '@weft/telemetry';
import type { KubeObject } from '../client/kube-object.js';
import { FolderSource } from './folder-source.js';
import type { ManifestParser } from './folder-source.js';
import type { ObjectSet } from './world-source.js';

const log = createLogger({ component: 'test', level: 'silent' });

// A test parser: YAML documents as objects, YAML errors as problems.
const parse: ManifestParser = (text, file) => {
  const docs = parseAllDocuments(text);
  const problems = docs.flatMap((d) => d.errors.map((e) => `${file}: ${e.message}`));
  if (problems.length > 0) return { objects: [], problems };
  return { objects: docs.map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => o !== null), problems: [] };
};

async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const service = (name: string, port: number): string =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  ports:\n  - port: ${port}\n`;

describe('FolderSource', () => {
  let dir: string;
  let source: FolderSource | undefined;
  const sets: ObjectSet[] = [];
  const names = (): string[] => (sets.at(-1)?.objects ?? []).map((o) => o.metadata?.name ?? '').sort();
  const portOf = (name: string): unknown =>
    (sets.at(-1)?.objects.find((o) => o.metadata?.name === name)?.['spec'] as { ports: { port: number }[] } | undefined)?.ports[0]?.port;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-folder-'));
    sets.length = 0;
  });
  afterEach(async () => {
    await source?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every manifest at start, then edits, additions and removals', async () => {
    writeFileSync(join(dir, 'a.yaml'), service('reviews', 9080));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    source = new FolderSource(dir, { log, parse, quietMs: 20 });
    source.start((set) => {
      sets.push(set);
    });
    await until(() => sets.length === 1, 'the first set');
    expect(source.synced).toBe(true);
    expect(names()).toEqual(['reviews']);

    writeFileSync(join(dir, 'a.yaml'), service('reviews', 9081));
    await until(() => portOf('reviews') === 9081, 'the edited port');

    writeFileSync(join(dir, 'b.yml'), service('ratings', 9090));
    await until(() => names().includes('ratings'), 'the new file');

    unlinkSync(join(dir, 'b.yml'));
    await until(() => !names().includes('ratings'), 'the removed file to leave');
    expect(sets.at(-1)?.reasons).toEqual(['Manifests']);
  });

  it('keeps a broken file’s last good objects and reports the problem', async () => {
    writeFileSync(join(dir, 'a.yaml'), service('reviews', 9080));
    source = new FolderSource(dir, { log, parse, quietMs: 20 });
    source.start((set) => {
      sets.push(set);
    });
    await until(() => sets.length === 1, 'the first set');
    writeFileSync(join(dir, 'a.yaml'), 'kind: Service\nmetadata: [unclosed\n');
    await until(() => (sets.at(-1)?.problems.length ?? 0) > 0, 'the problem report');
    expect(names()).toEqual(['reviews']);
    expect(sets.at(-1)?.problems[0]).toMatch(/^a\.yaml: /);
  });

  it('keeps the identity of objects from unchanged files', async () => {
    writeFileSync(join(dir, 'a.yaml'), service('reviews', 9080));
    writeFileSync(join(dir, 'b.yaml'), service('ratings', 9090));
    source = new FolderSource(dir, { log, parse, quietMs: 20 });
    const first = await source.readOnce();
    writeFileSync(join(dir, 'b.yaml'), service('ratings', 19091));
    const second = await source.readOnce();
    const find = (set: ObjectSet, name: string) => set.objects.find((o) => o.metadata?.name === name);
    expect(find(second, 'reviews')).toBe(find(first, 'reviews'));
    expect(find(second, 'ratings')).not.toBe(find(first, 'ratings'));
  });
});
