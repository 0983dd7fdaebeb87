import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Logger } from '@weft/telemetry';
import type { KubeObject } from '../client/kube-object.js';
import { parseManifests } from '../world/parse-manifests.js';
import { Coalescer } from './coalescer.js';
import type { ObjectSet, WorldSource } from './world-source.js';

/** Turns one file's text into objects, or reports why it cannot. */
export type ManifestParser = (text: string, file: string) => { readonly objects: readonly KubeObject[]; readonly problems: readonly string[] };

/** The manifest parser of the world builder, as a FolderSource parser: YAML/JSON documents, problems as text. */
export const parseManifestFile: ManifestParser = (text, file) => {
  const parsed = parseManifests(text, file);
  return { objects: parsed.objects as KubeObject[], problems: parsed.diagnostics.map((d) => `${d.object}: ${d.message}`) };
};

export interface FolderSourceOptions {
  readonly log: Logger;
  readonly parse: ManifestParser;
  /** Quiet period after a file change before the folder is re-read (editors write in several steps). */
  readonly quietMs?: number;
  readonly maxDelayMs?: number;
}

interface FileState {
  readonly mtimeMs: number;
  readonly size: number;
  readonly objects: readonly KubeObject[];
  readonly problems: readonly string[];
}

const MANIFEST = /\.(ya?ml|json)$/i;

/**
 * A folder of Kubernetes manifests, watched for changes: the control plane's embedded default source (the demo,
 * GitOps dry runs). A file that stops parsing keeps its last good objects and is reported, so a half-saved edit
 * never withdraws routes.
 */
export class FolderSource implements WorldSource {
  private readonly files = new Map<string, FileState>();
  private watcher: FSWatcher | undefined;
  private readonly coalescer: Coalescer<'Manifests'>;
  private onUpdate: ((set: ObjectSet) => Promise<void> | void) | undefined;
  private loaded = false;

  constructor(
    readonly dir: string,
    private readonly options: FolderSourceOptions,
  ) {
    this.coalescer = new Coalescer(
      { quietMs: options.quietMs ?? 50, maxDelayMs: options.maxDelayMs ?? 500 },
      (_reasons, waitedMs) => this.reload(waitedMs),
    );
  }

  get synced(): boolean {
    return this.loaded;
  }

  start(onUpdate: (set: ObjectSet) => Promise<void> | void): void {
    this.onUpdate = onUpdate;
    this.watcher = watch(this.dir, { recursive: true }, (_event, name) => {
      if (name === null || MANIFEST.test(name)) this.coalescer.trigger('Manifests');
    });
    this.watcher.on('error', (err) => {
      this.options.log.warn({ dir: this.dir, err: err.message }, 'watching the manifest folder failed');
    });
    this.coalescer.trigger('Manifests');
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    this.coalescer.stop();
    await this.coalescer.idle();
  }

  /** Resolves once every change seen so far has been delivered. */
  idle(): Promise<void> {
    return this.coalescer.idle();
  }

  /** Reads the folder once, without watching: `weftctl render` and tests. */
  async readOnce(): Promise<ObjectSet> {
    await this.refreshFiles();
    return this.currentSet([], 0);
  }

  private async reload(waitedMs: number): Promise<void> {
    const changed = await this.refreshFiles();
    this.loaded = true;
    if (changed || waitedMs === 0) await this.onUpdate?.(this.currentSet(['Manifests'], waitedMs));
  }

  private currentSet(reasons: string[], waitedMs: number): ObjectSet {
    const names = [...this.files.keys()].sort();
    const objects = names.flatMap((n) => this.files.get(n)?.objects ?? []);
    const problems = names.flatMap((n) => this.files.get(n)?.problems ?? []);
    return { objects, reasons, problems, waitedMs };
  }

  /** Re-reads files whose size or mtime changed; returns whether anything changed. */
  private async refreshFiles(): Promise<boolean> {
    const paths = await listManifests(this.dir);
    let changed = false;
    for (const name of [...this.files.keys()]) {
      if (!paths.includes(name)) {
        this.files.delete(name);
        changed = true;
      }
    }
    for (const name of paths) {
      const full = join(this.dir, name);
      let info;
      try {
        info = await stat(full);
      } catch {
        continue; // removed between listing and reading: the next event handles it
      }
      const before = this.files.get(name);
      if (before !== undefined && before.mtimeMs === info.mtimeMs && before.size === info.size) continue;
      const text = await readFile(full, 'utf8');
      const parsed = this.options.parse(text, name);
      const broken = parsed.problems.length > 0 && parsed.objects.length === 0 && text.trim() !== '';
      if (broken && before !== undefined) {
        // Keep the last good objects of a file that no longer parses; report it.
        this.files.set(name, { ...before, mtimeMs: info.mtimeMs, size: info.size, problems: parsed.problems });
        this.options.log.warn({ file: name, problems: parsed.problems }, 'manifest file does not parse; keeping its last good objects');
      } else {
        this.files.set(name, { mtimeMs: info.mtimeMs, size: info.size, objects: parsed.objects, problems: parsed.problems });
        if (parsed.problems.length > 0) this.options.log.warn({ file: name, problems: parsed.problems }, 'problems in manifest file');
      }
      changed = true;
    }
    return changed;
  }
}

async function listManifests(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && MANIFEST.test(e.name) && !e.name.startsWith('.'))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}
