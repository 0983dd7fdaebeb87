/**
 * JSON text to value, immune to a V8 bug: JSON.parse can decode an escaped object key wrongly (`"\""` read back as
 * `"\\"` once some earlier parse created a `"\\"` key; nodejs/node#63785, open on Node 24 and 26). A snapshot read
 * that way no longer matches its hash. Texts with no backslash cannot hit it and go to JSON.parse; the others are
 * read by the strict parser below, which builds keys from the text itself.
 */

/** Text that is not one JSON document. */
export class JsonTextError extends Error {
  override readonly name = 'JsonTextError';
  /** Offset (UTF-16 code units) where reading stopped. */
  readonly offset: number;

  constructor(offset: number, reason: string) {
    super(`JSON text at ${offset}: ${reason}`);
    this.offset = offset;
  }
}

/** Nesting deeper than this is refused rather than risking the stack. */
const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parse one JSON document (RFC 8259), as JSON.parse does but with object keys read correctly. */
export function parseJsonText(text: string): unknown {
  if (!text.includes('\\')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Read it again strictly for a JsonTextError with the offset, whichever path the text took.
    }
  }
  return readStrict(text);
}

function readStrict(text: string): unknown {
  const reader = new Reader(text);
  const value = reader.value(0);
  reader.skipSpace();
  if (reader.at < text.length) reader.fail('text after the document');
  return value;
}

class Reader {
  at = 0;

  constructor(private readonly text: string) {}

  fail(reason: string): never {
    throw new JsonTextError(this.at, reason);
  }

  skipSpace(): void {
    const { text } = this;
    while (this.at < text.length) {
      const c = text.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.at++;
    }
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (this.text.startsWith('true', this.at)) return this.word(4, true);
    if (this.text.startsWith('false', this.at)) return this.word(5, false);
    if (this.text.startsWith('null', this.at)) return this.word(4, null);
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
    this.at += match[0].length;
    return Number(match[0]);
  }

  private word<T>(length: number, value: T): T {
    this.at += length;
    return value;
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.text[this.at] !== c) this.fail(`expected ${JSON.stringify(c)}`);
    this.at++;
  }

  /** Whether the next non-space character is `c` (consumed if so). */
  private take(c: string): boolean {
    this.skipSpace();
    if (this.text[this.at] !== c) return false;
    this.at++;
    return true;
  }

  private array(depth: number): unknown[] {
    this.at++;
    const out: unknown[] = [];
    if (this.take(']')) return out;
    do out.push(this.value(depth + 1));
    while (this.take(','));
    this.expect(']');
    return out;
  }

  private object(depth: number): Record<string, unknown> {
    this.at++;
    const out: Record<string, unknown> = {};
    if (this.take('}')) return out;
    do {
      this.skipSpace();
      if (this.text[this.at] !== '"') this.fail('expected a key');
      const key = this.string();
      this.expect(':');
      const item = this.value(depth + 1);
      // As JSON.parse: `__proto__` is an ordinary data property, and a repeated key keeps the last value.
      Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    } while (this.take(','));
    this.expect('}');
    return out;
  }

  private string(): string {
    const { text } = this;
    this.at++;
    let out = '';
    for (;;) {
      // Copy the run up to a quote, a backslash or a control character in one slice.
      const start = this.at;
      for (let code = text.charCodeAt(this.at); code !== 0x22 && code !== 0x5c && code >= 0x20; ) {
        code = text.charCodeAt(++this.at);
      }
      out += text.slice(start, this.at);
      const c = text[this.at];
      if (c === '"') {
        this.at++;
        return out;
      }
      if (c !== '\\') this.fail(c === undefined ? 'unterminated string' : 'control character in a string');
      const e = text[this.at + 1];
      if (e === 'u') {
        const hex = text.slice(this.at + 2, this.at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.at += 6;
      } else {
        const decoded = e === undefined ? undefined : ESCAPES[e];
        if (decoded === undefined) this.fail('bad escape');
        out += decoded;
        this.at += 2;
      }
    }
  }
}
