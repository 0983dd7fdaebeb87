import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 'ipv4' | 'ipv6';

/** A validated network: `text` is `address/prefix`, the address lower-cased, host bits all zero. */
export interface Cidr {
  readonly family: IpFamily;
  readonly text: string;
}

/** Why a CIDR was refused, as a sentence; the caller names the option. */
export class CidrSyntaxError extends Error {
  override readonly name = 'CidrSyntaxError';
}

/** Parses `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128). Refuses host bits: they are usually a typo. */
export function parseCidr(input: string): Cidr {
  const text = input.trim().toLowerCase();
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family: IpFamily | undefined = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined) throw new CidrSyntaxError(`'${input}' is not an IPv4 or IPv6 address or CIDR`);
  const bits = family === 'ipv4' ? 32 : 128;
  const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    throw new CidrSyntaxError(`'${input}' has prefix length '${prefixText}'; it must be 0-${bits}`);
  }
  const prefix = Number(prefixText);
  const value = family === 'ipv4' ? ipv4Value(address) : ipv6Value(address);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((value & hostMask) !== 0n) {
    const network = value & ~hostMask;
    const suggestion = family === 'ipv4' ? formatIpv4(network) : formatIpv6(network);
    throw new CidrSyntaxError(`'${input}' has host bits set; did you mean ${suggestion}/${prefix}?`);
  }
  return { family, text: `${address}/${prefix}` };
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

// Expands `::` and a trailing dotted quad into eight 16-bit groups (the address is already known valid).
function ipv6Value(address: string): bigint {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4Value(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros: string[] = Array.from({ length: 8 - headGroups.length - restGroups.length }, () => '0');
  const groups = rest === undefined ? headGroups : [...headGroups, ...zeros, ...restGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function formatIpv6(value: bigint): string {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}
