/** Regex-escape for PCRE patterns APISIX evaluates. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * ReplacePrefixMatch as `regex_uri` pairs (first matching pair wins): the matched prefix, on a segment boundary, is
 * replaced and the rest of the path kept. `suffix` is appended to each template (e.g. nothing, or a query).
 */
export function replacePrefixPairs(prefix: string, replacement: string): string[] {
  const from = prefix.replace(/\/+$/, '');
  const to = replacement.replace(/\/+$/, '');
  if (from === '') return ['^(/.*)$', `${to}$1`];
  return [`^${escapeRegex(from)}/?$`, to === '' ? '/' : to, `^${escapeRegex(from)}(/.*)$`, `${to}$1`];
}
