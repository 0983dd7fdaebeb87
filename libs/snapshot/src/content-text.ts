/**
 * Splitting the canonical JSON of a content (`{"resources":{"<kind>":[{…},…],…},"trustBundle":[…]}`, as
 * `canonicalJson` and `ContentState.toJson` write it) into one substring per resource, without building the whole
 * document. A reader that receives a large state as text then hashes those substrings directly, and parses them one
 * at a time.
 */
import { isApisixKind } from '@weft/model';
import type { ApisixKind } from '@weft/model';

/** One resource's JSON text, as it stands in the content text. */
export interface ResourceText {
  readonly kind: ApisixKind;
  readonly json: string;
}

export interface SplitContent {
  /** In text order. */
  readonly resources: readonly ResourceText[];
  /** The trust bundle's JSON text (an array). */
  readonly trustBundleJson: string;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** The resources' substrings, or undefined when the text is not laid out exactly as canonical content is. */
export function splitContentText(text: string): SplitContent | undefined {
  const head = '{"resources":{';
  if (!text.startsWith(head)) return undefined;
  let at = head.length;
  const resources: ResourceText[] = [];
  while (text.charCodeAt(at) !== CLOSE_BRACE) {
    if (at !== head.length) {
      if (text.charCodeAt(at) !== COMMA) return undefined;
      at++;
    }
    const nameEnd = text.indexOf('":[', at);
    if (text.charCodeAt(at) !== QUOTE || nameEnd < 0) return undefined;
    const kind = text.slice(at + 1, nameEnd);
    if (!isApisixKind(kind)) return undefined;
    at = nameEnd + 3;
    let first = true;
    while (text.charCodeAt(at) !== CLOSE_BRACKET) {
      if (!first) {
        if (text.charCodeAt(at) !== COMMA) return undefined;
        at++;
      }
      first = false;
      const end = valueEnd(text, at);
      if (end < 0) return undefined;
      resources.push({ kind, json: text.slice(at, end) });
      at = end;
    }
    at++;
  }
  const tail = ',"trustBundle":';
  if (!text.startsWith(tail, at + 1) || text.charCodeAt(text.length - 1) !== CLOSE_BRACE) return undefined;
  return { resources, trustBundleJson: text.slice(at + 1 + tail.length, -1) };
}

/** End (exclusive) of the JSON object starting at `start`, or -1 when there is none. */
function valueEnd(text: string, start: number): number {
  return text.charCodeAt(start) === OPEN_BRACE ? containerEnd(text, start) : -1;
}

/** End (exclusive) of the JSON object or array starting at `start`, or -1 when there is none. */
function containerEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return -1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** One kind's changes in a delta's text. */
export interface KindChangesText {
  readonly kind: ApisixKind;
  /** The `deleted` list's JSON text. */
  readonly deletedJson: string;
  /** Each upserted resource's JSON text, in text order. */
  readonly upserted: readonly string[];
}

export interface SplitDelta {
  readonly kinds: readonly KindChangesText[];
  /** The trust bundle's JSON text, when the delta carries one. */
  readonly trustBundleJson: string | undefined;
}

/**
 * A ResourceDelta's canonical JSON (`{"changes":{"<kind>":{"deleted":[…],"upserted":[{…},…]},…},"trustBundle":[…]}`,
 * as `deltaJson` and `canonicalJson` write it) split into one substring per upserted resource, or undefined when the
 * text is not laid out exactly so.
 */
export function splitDeltaText(text: string): SplitDelta | undefined {
  const head = '{"changes":{';
  const kindHead = '":{"deleted":';
  const upsertedHead = ',"upserted":[';
  if (!text.startsWith(head)) return undefined;
  let at = head.length;
  const kinds: KindChangesText[] = [];
  while (text.charCodeAt(at) !== CLOSE_BRACE) {
    if (kinds.length > 0) {
      if (text.charCodeAt(at) !== COMMA) return undefined;
      at++;
    }
    const nameEnd = text.indexOf(kindHead, at);
    if (text.charCodeAt(at) !== QUOTE || nameEnd < 0) return undefined;
    const kind = text.slice(at + 1, nameEnd);
    if (!isApisixKind(kind)) return undefined;
    at = nameEnd + kindHead.length;
    if (text.charCodeAt(at) !== OPEN_BRACKET) return undefined;
    const deletedEnd = containerEnd(text, at);
    if (deletedEnd < 0 || !text.startsWith(upsertedHead, deletedEnd)) return undefined;
    const deletedJson = text.slice(at, deletedEnd);
    at = deletedEnd + upsertedHead.length;
    const upserted: string[] = [];
    while (text.charCodeAt(at) !== CLOSE_BRACKET) {
      if (upserted.length > 0) {
        if (text.charCodeAt(at) !== COMMA) return undefined;
        at++;
      }
      const end = valueEnd(text, at);
      if (end < 0) return undefined;
      upserted.push(text.slice(at, end));
      at = end;
    }
    if (text.charCodeAt(at + 1) !== CLOSE_BRACE) return undefined;
    at += 2;
    kinds.push({ kind, deletedJson, upserted });
  }
  at++;
  if (text.charCodeAt(text.length - 1) !== CLOSE_BRACE) return undefined;
  const tail = ',"trustBundle":';
  if (at === text.length - 1) return { kinds, trustBundleJson: undefined };
  if (!text.startsWith(tail, at)) return undefined;
  return { kinds, trustBundleJson: text.slice(at + tail.length, -1) };
}
