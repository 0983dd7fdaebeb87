/**
 * The text of chosen top-level members of a JSON object, found by scanning the text (strings and nesting tracked),
 * so a store value can be edited in place without parsing and encoding the whole resource again.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Where a member's value stands in the text: `json.slice(start, end)` is the value's JSON. */
export interface MemberRange {
  readonly start: number;
  readonly end: number;
}

/** End (exclusive) of the string starting at the quote `at`. */
function stringEnd(json: string, at: number): number {
  for (let i = at + 1; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** End (exclusive) of the value starting at `at` (no whitespace: canonical JSON), or -1. */
function valueEnd(json: string, at: number): number {
  const first = json.charCodeAt(at);
  if (first === QUOTE) return stringEnd(json, at);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A number, true, false or null: up to the next comma or closing bracket.
    for (let i = at; i < json.length; i++) {
      const c = json.charCodeAt(i);
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET) return i;
    }
    return -1;
  }
  let depth = 0;
  for (let i = at; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(json, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * The ranges of the top-level members named in `keys` of the object `json`, which must be canonical JSON (no
 * whitespace, keys sorted: the scan stops after the last key wanted; keys compared as they stand in the text), or
 * undefined when the text is not laid out so. Keys that are absent have no entry.
 */
export function topLevelMembers(json: string, keys: readonly string[]): Map<string, MemberRange> | undefined {
  const found = new Map<string, MemberRange>();
  const last = keys.reduce((a, b) => (b > a ? b : a), '');
  if (json.charCodeAt(0) !== OPEN_BRACE) return undefined;
  let at = 1;
  if (json.charCodeAt(at) === CLOSE_BRACE) return at + 1 === json.length ? found : undefined;
  for (;;) {
    if (json.charCodeAt(at) !== QUOTE) return undefined;
    const keyEnd = stringEnd(json, at);
    if (keyEnd < 0 || json.charCodeAt(keyEnd) !== COLON) return undefined;
    const key = json.slice(at + 1, keyEnd - 1);
    if (key > last) return found;
    const start = keyEnd + 1;
    const end = valueEnd(json, start);
    if (end < 0) return undefined;
    if (keys.includes(key)) {
      found.set(key, { start, end });
      if (key === last) return found;
    }
    const next = json.charCodeAt(end);
    if (next === CLOSE_BRACE) return end + 1 === json.length ? found : undefined;
    if (next !== COMMA) return undefined;
    at = end + 1;
  }
}
