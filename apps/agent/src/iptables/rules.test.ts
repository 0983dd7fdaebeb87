import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveInterceptionOptions } from './options.js';
import type { InterceptionSettings } from './options.js';
import { buildRestoreDocuments, buildRules, WEFT_CHAINS } from './rules.js';

// Golden documents: each case's settings in, the exact iptables-restore text out. Review their diffs like code.
const cases: Record<string, InterceptionSettings> = {
  defaults: {},
  'ipv6-lists': {
    ipv6: true,
    includeInboundPorts: '8080,80',
    excludeOutboundCidrs: '10.96.0.0/12,fd00:10:96::/112',
    excludeOutboundPorts: [4222, 2379],
  },
  'outbound-only': { includeInboundPorts: '' },
  'inbound-only': { includeOutboundCidrs: '' },
  'custom-identity': {
    inboundPort: 9006,
    outboundPort: '9001',
    proxyUid: 101,
    proxyGid: 2000,
    redirectSsh: true,
    agentPorts: '9020',
    excludeInboundPorts: '9090',
    includeOutboundCidrs: '10.0.0.0/8,192.168.0.0/16',
    excludeOutboundCidrs: '10.0.0.1',
  },
};

describe('iptables rules', () => {
  for (const [name, settings] of Object.entries(cases)) {
    it(`iptables rules - ${name} matches its golden document`, async () => {
      const documents = buildRestoreDocuments(resolveInterceptionOptions(settings));
      await expect(documents.ipv4 + (documents.ipv6 ?? '')).toMatchFileSnapshot(`./fixtures/${name}.rules`);
    });
  }

  it('iptables rules - IPv6 CIDRs go only to the IPv6 document, IPv4 CIDRs only to the IPv4 one', () => {
    const options = resolveInterceptionOptions({ ipv6: true, includeOutboundCidrs: '10.0.0.0/8,fd00::/8' });
    const v4 = buildRules(options, 'ipv4').lines.join('\n');
    const v6 = buildRules(options, 'ipv6').lines.join('\n');
    expect(v4).toContain('-d 10.0.0.0/8 -j WEFT_REDIRECT');
    expect(v4).not.toContain('fd00::/8');
    expect(v6).toContain('-d fd00::/8 -j WEFT_REDIRECT');
    expect(v6).not.toContain('10.0.0.0/8');
    expect(v6).toContain('! -d ::1/128 -o lo -m owner --uid-owner 1337 -j WEFT_IN_REDIRECT');
  });

  it('iptables rules - nothing intercepted means no jumps from the built-in chains', () => {
    const rules = buildRules(resolveInterceptionOptions({ includeInboundPorts: '', includeOutboundCidrs: '' }), 'ipv4');
    expect(rules.lines.filter((line) => /^-A (PREROUTING|OUTPUT) /.test(line))).toEqual([]);
  });

  it('iptables rules - excluding the loopback network adds no second loopback rule', () => {
    const lines = buildRules(resolveInterceptionOptions({ excludeOutboundCidrs: ['127.0.0.0/8'] }), 'ipv4').lines;
    expect(lines.filter((l) => l === '-A WEFT_OUTPUT -d 127.0.0.0/8 -j RETURN')).toHaveLength(1);
  });

  it('iptables rules - for any settings: no duplicate rule, known targets only, exclusions before redirects', () => {
    const portList = fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 5 });
    const cidr = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 8, max: 32 })).map(([a, p]) => {
      const value = ((a << 24) >>> 0) & (p === 32 ? 0xffffffff : ~((1 << (32 - p)) - 1) >>> 0);
      return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}/${p}`;
    });
    fc.assert(
      fc.property(
        portList,
        fc.oneof(fc.constant('*'), portList.map((ports) => ports.join(','))),
        portList,
        fc.array(cidr, { maxLength: 4 }),
        fc.integer({ min: 0, max: 65534 }),
        (excludeInbound, includeInbound, excludeOutbound, excludeCidrs, uid) => {
          const options = resolveInterceptionOptions({
            excludeInboundPorts: excludeInbound,
            includeInboundPorts: includeInbound,
            excludeOutboundPorts: excludeOutbound,
            excludeOutboundCidrs: excludeCidrs,
            proxyUid: uid,
          });
          const lines = buildRules(options, 'ipv4').lines.filter((line) => line.startsWith('-A '));
          expect(new Set(lines).size).toBe(lines.length);
          const targets = new Set<string>([...WEFT_CHAINS, 'RETURN', 'REDIRECT']);
          for (const line of lines) expect(targets.has(/ -j (\S+)/.exec(line)?.[1] ?? '')).toBe(true);
          const inbound = lines.filter((line) => line.startsWith('-A WEFT_INBOUND '));
          const firstRedirect = inbound.findIndex((line) => line.endsWith('-j WEFT_IN_REDIRECT'));
          const lastReturn = inbound.findLastIndex((line) => line.endsWith('-j RETURN'));
          if (firstRedirect >= 0) expect(lastReturn).toBeLessThan(firstRedirect);
          for (const port of options.excludeInboundPorts) {
            if (inbound.length > 0) expect(inbound).toContain(`-A WEFT_INBOUND -p tcp -m tcp --dport ${port} -j RETURN`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
