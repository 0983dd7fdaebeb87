import type { IpFamily } from './cidr.js';
import { ALL } from './options.js';
import type { InterceptionOptions } from './options.js';

/**
 * Weft's chains in the nat table. Nothing else in the table is ever touched, except the jumps into these chains.
 *
 *   PREROUTING ─tcp─▶ WEFT_INBOUND ──excluded port──▶ RETURN
 *                          └──────────────▶ WEFT_IN_REDIRECT ─▶ REDIRECT :inbound
 *   OUTPUT ─────tcp─▶ WEFT_OUTPUT ──proxy → own pod IP on lo─▶ WEFT_IN_REDIRECT
 *                          ├── proxy uid/gid, app on lo, loopback, excluded port/CIDR ─▶ RETURN
 *                          └──────────────▶ WEFT_REDIRECT ────▶ REDIRECT :outbound
 */
export const WEFT_CHAINS = ['WEFT_INBOUND', 'WEFT_IN_REDIRECT', 'WEFT_OUTPUT', 'WEFT_REDIRECT'] as const;
export type WeftChain = (typeof WEFT_CHAINS)[number];

/** The `-A` lines of one family, in order, as iptables-restore reads them (comment lines start with `#`). */
export interface RuleSet {
  readonly family: IpFamily;
  readonly lines: readonly string[];
}

const LOOPBACK: Record<IpFamily, string> = { ipv4: '127.0.0.0/8', ipv6: '::1/128' };
/**
 * The source the inbound proxy may bind to reach the app on the pod IP without being sent back to itself: such a
 * connection leaves through `lo` as the proxy user, which would otherwise be redirected inbound again.
 */
const PASSTHROUGH_SOURCE: Record<IpFamily, string> = { ipv4: '127.0.0.6/32', ipv6: '::6/128' };

/** Builds the nat rules of one family from checked options. Pure: same options, same lines. */
export function buildRules(options: InterceptionOptions, family: IpFamily): RuleSet {
  const lines: string[] = [];
  const inboundOn = options.includeInboundPorts === ALL || options.includeInboundPorts.length > 0;
  const outboundCidrs =
    options.includeOutboundCidrs === ALL ? ALL : options.includeOutboundCidrs.filter((cidr) => cidr.family === family);
  const outboundOn = outboundCidrs === ALL || outboundCidrs.length > 0;

  lines.push('# Redirect targets: the proxy’s inbound and outbound listeners.');
  lines.push(`-A WEFT_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${options.inboundPort}`);
  lines.push(`-A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports ${options.outboundPort}`);

  if (inboundOn) {
    lines.push('# Inbound: excluded ports pass, the rest (or the listed ports) go to the inbound listener.');
    for (const port of options.excludeInboundPorts) lines.push(`-A WEFT_INBOUND -p tcp -m tcp --dport ${port} -j RETURN`);
    if (options.includeInboundPorts === ALL) {
      lines.push('-A WEFT_INBOUND -p tcp -j WEFT_IN_REDIRECT');
    } else {
      for (const port of options.includeInboundPorts) lines.push(`-A WEFT_INBOUND -p tcp -m tcp --dport ${port} -j WEFT_IN_REDIRECT`);
    }
  }

  if (inboundOn || outboundOn) {
    lines.push('# Outbound: excluded ports pass, and so does the inbound proxy reaching the app from the passthrough source.');
    for (const port of options.excludeOutboundPorts) lines.push(`-A WEFT_OUTPUT -p tcp -m tcp --dport ${port} -j RETURN`);
    lines.push(`-A WEFT_OUTPUT -s ${PASSTHROUGH_SOURCE[family]} -o lo -j RETURN`);
    if (inboundOn) lines.push('# The proxy calling this pod’s own IP over lo (the app called its own Service) is inbound traffic.');
    lines.push('# The app talking to itself over lo, and the rest of the proxy’s own traffic, pass (no loops).');
    const owners = [`--uid-owner ${options.proxyUid}`, `--gid-owner ${options.proxyGid}`];
    for (const owner of owners) {
      if (inboundOn) lines.push(`-A WEFT_OUTPUT ! -d ${LOOPBACK[family]} -o lo -m owner ${owner} -j WEFT_IN_REDIRECT`);
      lines.push(`-A WEFT_OUTPUT -o lo -m owner ! ${owner} -j RETURN`);
      lines.push(`-A WEFT_OUTPUT -m owner ${owner} -j RETURN`);
    }
    lines.push('# Loopback destinations, excluded networks pass; the rest (or the listed networks) go to the outbound listener.');
    lines.push(`-A WEFT_OUTPUT -d ${LOOPBACK[family]} -j RETURN`);
    for (const cidr of options.excludeOutboundCidrs) {
      // Loopback already passes just above; the same rule twice would only be noise in iptables-save.
      if (cidr.family === family && cidr.text !== LOOPBACK[family]) lines.push(`-A WEFT_OUTPUT -d ${cidr.text} -j RETURN`);
    }
    if (outboundCidrs === ALL) {
      lines.push('-A WEFT_OUTPUT -j WEFT_REDIRECT');
    } else {
      for (const cidr of outboundCidrs) lines.push(`-A WEFT_OUTPUT -d ${cidr.text} -j WEFT_REDIRECT`);
    }
  }

  lines.push('# Jumps from the built-in chains, TCP only.');
  if (inboundOn) lines.push('-A PREROUTING -p tcp -j WEFT_INBOUND');
  if (inboundOn || outboundOn) lines.push('-A OUTPUT -p tcp -j WEFT_OUTPUT');
  return { family, lines };
}

/**
 * The iptables-restore document for `--noflush`: declaring each Weft chain creates it or empties it, `removals`
 * (`-D` lines for jumps left by an earlier run) go first, then the rules. One COMMIT: all or nothing.
 */
export function renderRestoreDocument(rules: RuleSet, removals: readonly string[] = []): string {
  const header = `# Weft traffic interception (${rules.family === 'ipv4' ? 'iptables' : 'ip6tables'}-restore --noflush)`;
  const chains = WEFT_CHAINS.map((chain) => `:${chain} - [0:0]`);
  return [header, '*nat', ...chains, ...removals, ...rules.lines, 'COMMIT', ''].join('\n');
}

/** The document(s) a clean table needs: what `--dry-run` prints. */
export function buildRestoreDocuments(options: InterceptionOptions): { readonly ipv4: string; readonly ipv6?: string } {
  const ipv4 = renderRestoreDocument(buildRules(options, 'ipv4'));
  return options.ipv6 ? { ipv4, ipv6: renderRestoreDocument(buildRules(options, 'ipv6')) } : { ipv4 };
}
