import { APISIX_ID_PATTERN, APISIX_KINDS } from '@weft/model';
import type { ApisixResources } from '@weft/model';
import { canonicalJsonCached } from './canonical-json.js';
import { InvalidResourceError } from './errors.js';

export const DEFAULT_PREFIX = '/apisix';

/**
 * Every directory APISIX 3.x reads under its prefix (HTTP_ETCD_DIRECTORY ∪ STREAM_ETCD_DIRECTORY of
 * apisix/constants.lua). Each gets the `<prefix>/<dir>/` = "init_dir" placeholder so the init-phase preload
 * splits the whole-prefix read per directory (contract §1.4, §1.5).
 */
export const APISIX_ETCD_DIRECTORIES = [
  'consumer_groups',
  'consumers',
  'global_rules',
  'plugin_configs',
  'plugin_metadata',
  'protos',
  'routes',
  'secrets',
  'services',
  'ssls',
  'stream_routes',
  'upstreams',
] as const;

export const DIR_PLACEHOLDER_VALUE = 'init_dir';

/** The etcd keys and JSON values for one desired state: `<prefix>/<kind>/<id>` → canonical JSON (with `id`). */
export function resourcesToEntries(
  resources: ApisixResources,
  options: { readonly prefix?: string; readonly dirPlaceholders?: boolean } = {},
): Map<string, string> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const entries = new Map<string, string>();
  if (options.dirPlaceholders ?? true) {
    for (const dir of APISIX_ETCD_DIRECTORIES) entries.set(`${prefix}/${dir}/`, DIR_PLACEHOLDER_VALUE);
  }
  for (const kind of APISIX_KINDS) {
    for (const item of resources[kind]) {
      if (!APISIX_ID_PATTERN.test(item.id)) throw new InvalidResourceError(`${kind}: invalid APISIX id ${JSON.stringify(item.id)}`);
      const key = `${prefix}/${kind}/${item.id}`;
      if (entries.has(key)) throw new InvalidResourceError(`${kind}: duplicate id ${item.id}`);
      entries.set(key, canonicalJsonCached(item));
    }
  }
  return entries;
}

/** etcd's prefix range end: the key with its last byte incremented (trailing 0xff bytes dropped); "\0" for all keys. */
export function prefixRangeEnd(prefix: string): string {
  let end = prefix;
  while (end.length > 0) {
    const last = end.charCodeAt(end.length - 1);
    if (last < 0xff) return end.slice(0, -1) + String.fromCharCode(last + 1);
    end = end.slice(0, -1);
  }
  return '\0';
}

/** Whether `key` falls in etcd's range [start, rangeEnd): empty end = exact key; "\0" = every key >= start. */
export function keyInRange(key: string, start: string, rangeEnd: string | undefined): boolean {
  if (rangeEnd === undefined || rangeEnd === '') return key === start;
  if (rangeEnd === '\0') return key >= start;
  return key >= start && key < rangeEnd;
}
