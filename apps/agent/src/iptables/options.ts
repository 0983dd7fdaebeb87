import { CidrSyntaxError, parseCidr } from './cidr.js';
import type { Cidr } from './cidr.js';
import { IptablesOptionError } from './errors.js';

/** Every port or network: the value of `--include-inbound-ports` and `--include-outbound-cidrs` that means "all". */
export const ALL = '*';

/** Checked, normalised interception settings: what the rule builder takes. Lists are sorted and unique. */
export interface InterceptionOptions {
  /** Where inbound TCP is redirected (APISIX's inbound listener). */
  readonly inboundPort: number;
  /** Where the app's outbound TCP is redirected (APISIX's outbound listener). */
  readonly outboundPort: number;
  /** The proxy's user and group: their own traffic is never redirected, or it would loop. */
  readonly proxyUid: number;
  readonly proxyGid: number;
  /** Inbound ports to redirect; `*` for all, an empty list to leave inbound alone. */
  readonly includeInboundPorts: typeof ALL | readonly number[];
  /** Inbound ports never redirected: the agent's own ports, SSH unless asked, and the user's list. */
  readonly excludeInboundPorts: readonly number[];
  readonly excludeOutboundPorts: readonly number[];
  /** Outbound destinations to redirect; `*` for all, an empty list to leave outbound alone. */
  readonly includeOutboundCidrs: typeof ALL | readonly Cidr[];
  readonly excludeOutboundCidrs: readonly Cidr[];
  /** Also write IPv6 rules (ip6tables). */
  readonly ipv6: boolean;
}

type List = string | readonly (string | number)[];

/** What a caller may give (flag strings or typed values); everything is optional and checked. */
export interface InterceptionSettings {
  readonly inboundPort?: number | string;
  readonly outboundPort?: number | string;
  readonly proxyUid?: number | string;
  /** Defaults to the proxy UID, as the sidecar runs with the same user and group id. */
  readonly proxyGid?: number | string;
  readonly includeInboundPorts?: List;
  readonly excludeInboundPorts?: List;
  /** The agent's health and metrics ports, always excluded inbound (default 15020, 15021). */
  readonly agentPorts?: List;
  /** Redirect SSH (22) like any port instead of excluding it. */
  readonly redirectSsh?: boolean;
  readonly excludeOutboundPorts?: List;
  readonly includeOutboundCidrs?: List;
  readonly excludeOutboundCidrs?: List;
  readonly ipv6?: boolean;
}

export const INTERCEPTION_DEFAULTS = {
  inboundPort: 15006,
  outboundPort: 15001,
  proxyUid: 1337,
  agentPorts: [15020, 15021],
  sshPort: 22,
} as const;

const MAX_ID = 4294967294; // 2^32 - 2: (uid_t)-1 means "no change" to the kernel

/** Checks every setting and fills the defaults; throws IptablesOptionError naming the flag at the first bad one. */
export function resolveInterceptionOptions(settings: InterceptionSettings = {}): InterceptionOptions {
  const inboundPort = port('inbound-port', settings.inboundPort ?? INTERCEPTION_DEFAULTS.inboundPort);
  const outboundPort = port('outbound-port', settings.outboundPort ?? INTERCEPTION_DEFAULTS.outboundPort);
  if (inboundPort === outboundPort) {
    throw new IptablesOptionError('outbound-port', `${outboundPort} is also the inbound port; the proxy needs two listeners`);
  }
  const proxyUid = id('proxy-uid', settings.proxyUid ?? INTERCEPTION_DEFAULTS.proxyUid);
  const proxyGid = id('proxy-gid', settings.proxyGid ?? proxyUid);

  const includeInboundPorts = portsOrAll('include-inbound-ports', settings.includeInboundPorts ?? ALL);
  const agentPorts = ports('agent-ports', settings.agentPorts ?? INTERCEPTION_DEFAULTS.agentPorts);
  const ssh = settings.redirectSsh === true ? [] : [INTERCEPTION_DEFAULTS.sshPort];
  const excludeInboundPorts = sortedUnique([...agentPorts, ...ssh, ...ports('exclude-inbound-ports', settings.excludeInboundPorts ?? [])]);
  const excludeOutboundPorts = ports('exclude-outbound-ports', settings.excludeOutboundPorts ?? []);

  const ipv6 = settings.ipv6 === true;
  const includeOutboundCidrs = cidrsOrAll('include-outbound-cidrs', settings.includeOutboundCidrs ?? ALL, ipv6);
  const excludeOutboundCidrs = cidrs('exclude-outbound-cidrs', settings.excludeOutboundCidrs ?? [], ipv6);

  return Object.freeze({
    inboundPort,
    outboundPort,
    proxyUid,
    proxyGid,
    includeInboundPorts,
    excludeInboundPorts,
    excludeOutboundPorts,
    includeOutboundCidrs,
    excludeOutboundCidrs,
    ipv6,
  });
}

function integer(option: string, value: number | string, min: number, max: number, what: string): number {
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new IptablesOptionError(option, `'${String(value)}' is not ${what} (an integer ${min}-${max})`);
  }
  return Number(text);
}

function port(option: string, value: number | string): number {
  return integer(option, value, 1, 65535, 'a TCP port');
}

function id(option: string, value: number | string): number {
  return integer(option, value, 0, MAX_ID, 'a user or group id');
}

function items(value: List): string[] {
  const raw = typeof value === 'string' ? value.split(',') : value.map(String);
  return raw.map((item) => item.trim()).filter((item) => item !== '');
}

function ports(option: string, value: List): readonly number[] {
  const list = items(value);
  if (list.includes(ALL)) throw new IptablesOptionError(option, `'*' is not allowed here; list the ports`);
  return sortedUnique(list.map((item) => port(option, item)));
}

function portsOrAll(option: string, value: List): typeof ALL | readonly number[] {
  const list = items(value);
  if (!list.includes(ALL)) return ports(option, list);
  if (list.length > 1) throw new IptablesOptionError(option, `'*' means every port and cannot be combined with others`);
  return ALL;
}

function cidrs(option: string, value: List, ipv6: boolean): readonly Cidr[] {
  const list = items(value);
  if (list.includes(ALL)) throw new IptablesOptionError(option, `'*' is not allowed here; list the CIDRs`);
  const parsed = list.map((item) => {
    try {
      return parseCidr(item);
    } catch (err) {
      if (err instanceof CidrSyntaxError) throw new IptablesOptionError(option, err.message);
      throw err;
    }
  });
  const v6 = parsed.find((cidr) => cidr.family === 'ipv6');
  if (v6 !== undefined && !ipv6) {
    throw new IptablesOptionError(option, `${v6.text} is an IPv6 network but --ipv6 is off; add --ipv6 or drop it`);
  }
  const unique = new Map(parsed.map((cidr) => [cidr.text, cidr]));
  return [...unique.values()].sort((a, b) => a.text.localeCompare(b.text));
}

function cidrsOrAll(option: string, value: List, ipv6: boolean): typeof ALL | readonly Cidr[] {
  const list = items(value);
  if (!list.includes(ALL)) return cidrs(option, list, ipv6);
  if (list.length > 1) throw new IptablesOptionError(option, `'*' means every destination and cannot be combined with CIDRs`);
  return ALL;
}

function sortedUnique(values: readonly number[]): readonly number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
