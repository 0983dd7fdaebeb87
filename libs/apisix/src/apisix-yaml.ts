/**
 * Standalone mode (contract §2.2): `conf/apisix.yaml` as APISIX's config_yaml reads it. Top-level key per kind,
 * items with `id`, `#END` as the last line. Written to a temp file in the same folder, fsynced, given a whole-second
 * mtime strictly above the previous file's (APISIX polls the mtime in seconds), then renamed over the old file.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { APISIX_KINDS } from '@weft/model';
import type { ApisixResources } from '@weft/model';
import { stringify } from 'yaml';
import { canonicalCopy } from '@weft/snapshot';
import type { WriteApisixYamlOptions, WriteApisixYamlResult } from './contract.js';
import { InvalidResourceError } from './errors.js';

/** The apisix.yaml text for `resources`, ending in `#END`. Throws when a value holds APISIX's `${{` env syntax. */
export function renderApisixYaml(resources: ApisixResources): string {
  const doc: Record<string, unknown[]> = {};
  for (const kind of APISIX_KINDS) {
    const ids = new Set<string>();
    doc[kind] = resources[kind].map((item) => {
      if (ids.has(item.id)) throw new InvalidResourceError(`${kind}: duplicate id ${item.id}`);
      ids.add(item.id);
      // Canonical key order so an unchanged state gives identical bytes.
      return canonicalCopy(item);
    });
  }
  const text = stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  // APISIX substitutes `${{VAR}}` at text level before parsing; no quoting can protect it.
  if (text.includes('${{')) throw new InvalidResourceError('a resource value contains "${{", which APISIX would treat as an environment variable');
  return `${text}#END\n`;
}

/** Writes `resources` to `path` atomically with a strictly increasing whole-second mtime. */
export async function writeApisixYaml(
  path: string,
  resources: ApisixResources,
  options: WriteApisixYamlOptions = {},
): Promise<WriteApisixYamlResult> {
  const text = renderApisixYaml(resources);
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const previous = await stat(path).then(
    (s) => Math.floor(s.mtimeMs / 1000),
    () => undefined,
  );
  const mtimeSeconds = previous === undefined ? nowSeconds : Math.max(nowSeconds, previous + 1);
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const bytes = Buffer.from(text, 'utf8');
  try {
    // It carries the agent's private key (the mesh ssl objects): owner and group only (APISIX runs in the proxy group).
    const handle = await open(temp, 'wx', 0o640);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await utimes(temp, mtimeSeconds, mtimeSeconds);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
  return { path, mtimeSeconds, bytes: bytes.length };
}

/** fsync the folder so the rename itself survives a crash. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

