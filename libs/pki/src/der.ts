// A minimal DER writer and reader for the one structure issued in bulk, the SVID. @peculiar/x509 builds
// certificates through generic ASN.1 schemas (serialise, re-parse, serialise), about 3 ms per leaf; writing the
// fixed shape of an SVID directly takes a few microseconds, so the signature is what remains.

/** A DER element: tag, definite length, content. */
export function tlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const length = content.reduce((sum, part) => sum + part.length, 0);
  const header = [tag, ...encodeLength(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let at = header.length;
  for (const part of content) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function encodeLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

export const sequence = (...items: readonly Uint8Array[]): Uint8Array => tlv(0x30, ...items);
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes);
export const booleanTrue = (): Uint8Array => tlv(0x01, Uint8Array.of(0xff));
/** `[n] EXPLICIT` around a constructed value. */
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 | n, inner);
/** `[n] IMPLICIT` primitive value, e.g. a GeneralName's dNSName [2] or uniformResourceIdentifier [6]. */
export const implicit = (n: number, bytes: Uint8Array): Uint8Array => tlv(0x80 | n, bytes);
export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** BIT STRING with the given unused bit count in the last byte. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(0x03, Uint8Array.of(unusedBits), bytes);
}

/** INTEGER from unsigned big-endian bytes: minimal, with a leading zero when the top bit is set. */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  return (value[0] ?? 0) & 0x80 ? tlv(0x02, Uint8Array.of(0), value) : tlv(0x02, value.length === 0 ? Uint8Array.of(0) : value);
}

export function objectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) chunk.unshift(0x80 | (value & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; whole seconds, Zulu. */
export function time(date: Date): Uint8Array {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, ascii(`${digits.slice(2)}Z`)) : tlv(0x18, ascii(`${digits}Z`));
}

/** Where one element sits in a buffer. */
export interface DerElement {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

/** Reads the element at `offset`; throws on a length running past `limit`. */
export function readElement(der: Uint8Array, offset: number, limit = der.length): DerElement {
  const tag = der[offset];
  let lengthByte = der[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new RangeError('DER element truncated');
  let contentStart = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new RangeError('DER length not definite or too long');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = der[contentStart + i];
      if (lengthByte === undefined) throw new RangeError('DER length truncated');
      length = length * 256 + lengthByte;
    }
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new RangeError('DER element runs past its container');
  return { tag, start: offset, contentStart, end };
}

/** The elements directly inside a constructed element. */
export function children(der: Uint8Array, parent: DerElement): DerElement[] {
  const items: DerElement[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const item = readElement(der, at, parent.end);
    items.push(item);
    at = item.end;
  }
  return items;
}

export function bytesOf(der: Uint8Array, element: DerElement): Uint8Array {
  return der.subarray(element.start, element.end);
}

export function contentOf(der: Uint8Array, element: DerElement): Uint8Array {
  return der.subarray(element.contentStart, element.end);
}
