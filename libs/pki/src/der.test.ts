import { describe, expect, it } from 'vitest';
import { children, contentOf, objectIdentifier, octetString, readElement, sequence, time, unsignedInteger } from './der.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('der', () => {
  it('encodes object identifiers, including multi-byte arcs', () => {
    expect(hex(objectIdentifier('2.5.29.17'))).toBe('0603551d11');
    expect(hex(objectIdentifier('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(objectIdentifier('1.2.840.113549.1.9.14'))).toBe('06092a864886f70d01090e');
  });

  it('encodes positive integers minimally, with a zero byte before a set top bit', () => {
    expect(hex(unsignedInteger(Uint8Array.of(0x00, 0x00, 0x7f)))).toBe('02017f');
    expect(hex(unsignedInteger(Uint8Array.of(0x80, 0x01)))).toBe('0203008001');
    expect(hex(unsignedInteger(Uint8Array.of(0, 0)))).toBe('020100');
  });

  it('uses UTCTime until 2049 and GeneralizedTime after, in whole seconds', () => {
    expect(Buffer.from(time(new Date('2026-11-23T10:14:39.999Z'))).toString('latin1').slice(2)).toBe('261123101439Z');
    expect(time(new Date('2026-01-01T00:00:00Z'))[0]).toBe(0x17);
    expect(Buffer.from(time(new Date('2050-01-01T00:00:00Z'))).toString('latin1').slice(2)).toBe('20500101000000Z');
    expect(time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(0x18);
  });

  it('writes and reads long-form lengths', () => {
    const big = octetString(new Uint8Array(300));
    expect(hex(big.subarray(0, 4))).toBe('0482012c');
    const outer = sequence(big, octetString(Uint8Array.of(1)));
    const parts = children(outer, readElement(outer, 0));
    expect(parts.map((part) => contentOf(outer, part).length)).toEqual([300, 1]);
  });

  it('refuses lengths that run past the buffer or are indefinite', () => {
    expect(() => readElement(Uint8Array.of(0x30, 0x05, 0x00), 0)).toThrow(RangeError);
    expect(() => readElement(Uint8Array.of(0x30, 0x80, 0x00, 0x00), 0)).toThrow(RangeError);
    expect(() => readElement(Uint8Array.of(0x30), 0)).toThrow(RangeError);
  });
});
