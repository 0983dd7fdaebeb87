import { describe, expect, it } from 'vitest';
import { parseCidr } from './cidr.js';
import { IptablesOptionError } from './errors.js';
import { resolveInterceptionOptions } from './options.js';
import type { InterceptionSettings } from './options.js';

function refusal(settings: InterceptionSettings): { option: string; message: string } {
  try {
    resolveInterceptionOptions(settings);
  } catch (err) {
    if (err instanceof IptablesOptionError) return { option: err.option, message: err.message };
    throw err;
  }
  throw new Error('settings were accepted');
}

describe('iptables options', () => {
  it('iptables options - defaults are the sidecar’s ports, uid 1337 and the always-excluded ports', () => {
    expect(resolveInterceptionOptions()).toEqual({
      inboundPort: 15006,
      outboundPort: 15001,
      proxyUid: 1337,
      proxyGid: 1337,
      includeInboundPorts: '*',
      excludeInboundPorts: [22, 15020, 15021],
      excludeOutboundPorts: [],
      includeOutboundCidrs: '*',
      excludeOutboundCidrs: [],
      ipv6: false,
    });
  });

  it('iptables options - lists are trimmed, sorted and deduplicated; the gid follows the uid', () => {
    const options = resolveInterceptionOptions({
      proxyUid: '101',
      excludeInboundPorts: ' 8443, 15021 ,8443',
      redirectSsh: true,
      excludeOutboundPorts: '5432,443,5432',
      excludeOutboundCidrs: '192.168.0.0/16, 10.0.0.0/8,10.0.0.0/8',
    });
    expect(options.proxyGid).toBe(101);
    expect(options.excludeInboundPorts).toEqual([8443, 15020, 15021]);
    expect(options.excludeOutboundPorts).toEqual([443, 5432]);
    expect(options.excludeOutboundCidrs.map((cidr) => cidr.text)).toEqual(['10.0.0.0/8', '192.168.0.0/16']);
  });

  const bad: [string, InterceptionSettings, string, string][] = [
    ['port 0', { inboundPort: 0 }, 'inbound-port', "'0' is not a TCP port (an integer 1-65535)"],
    ['port too big', { outboundPort: '65536' }, 'outbound-port', "'65536' is not a TCP port"],
    ['port not a number', { inboundPort: '15006x' }, 'inbound-port', "'15006x' is not a TCP port"],
    ['negative port', { excludeOutboundPorts: '-1' }, 'exclude-outbound-ports', "'-1' is not a TCP port"],
    ['fractional port', { excludeInboundPorts: [80.5] }, 'exclude-inbound-ports', "'80.5' is not a TCP port"],
    ['same proxy ports', { inboundPort: 15001 }, 'outbound-port', '15001 is also the inbound port'],
    ['uid negative', { proxyUid: -1 }, 'proxy-uid', "'-1' is not a user or group id"],
    ['uid (uid_t)-1', { proxyUid: 4294967295 }, 'proxy-uid', 'an integer 0-4294967294'],
    ['gid text', { proxyGid: 'istio' }, 'proxy-gid', "'istio' is not a user or group id"],
    ['star mixed in', { includeInboundPorts: '*,80' }, 'include-inbound-ports', "'*' means every port"],
    ['star where a list is needed', { excludeInboundPorts: '*' }, 'exclude-inbound-ports', "'*' is not allowed here"],
    ['star mixed with CIDRs', { includeOutboundCidrs: '*,10.0.0.0/8' }, 'include-outbound-cidrs', "'*' means every destination"],
    ['not a CIDR', { excludeOutboundCidrs: '10.0.0/8' }, 'exclude-outbound-cidrs', "'10.0.0/8' is not an IPv4 or IPv6 address"],
    ['prefix too long', { excludeOutboundCidrs: '10.0.0.0/33' }, 'exclude-outbound-cidrs', "prefix length '33'; it must be 0-32"],
    ['prefix not a number', { includeOutboundCidrs: '10.0.0.0/x' }, 'include-outbound-cidrs', "prefix length 'x'"],
    ['host bits', { excludeOutboundCidrs: '10.1.2.3/8' }, 'exclude-outbound-cidrs', 'host bits set; did you mean 10.0.0.0/8?'],
    ['IPv6 without --ipv6', { excludeOutboundCidrs: 'fd00::/8' }, 'exclude-outbound-cidrs', 'fd00::/8 is an IPv6 network but --ipv6 is off'],
    ['IPv6 host bits', { ipv6: true, excludeOutboundCidrs: 'fd00::1/64' }, 'exclude-outbound-cidrs', 'did you mean fd00:0:0:0:0:0:0:0/64?'],
  ];
  for (const [name, settings, option, message] of bad) {
    it(`iptables options - refuses ${name}, naming --${option}`, () => {
      const error = refusal(settings);
      expect(error.option).toBe(option);
      expect(error.message).toContain(`--${option}: `);
      expect(error.message).toContain(message);
    });
  }

  it('iptables options - parses bare addresses, IPv6 with embedded IPv4 and /0', () => {
    expect(parseCidr('10.1.2.3')).toEqual({ family: 'ipv4', text: '10.1.2.3/32' });
    expect(parseCidr('0.0.0.0/0')).toEqual({ family: 'ipv4', text: '0.0.0.0/0' });
    expect(parseCidr('FD00::')).toEqual({ family: 'ipv6', text: 'fd00::/128' });
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ family: 'ipv6', text: '::ffff:10.0.0.0/104' });
    expect(() => parseCidr('::ffff:10.0.0.1/104')).toThrow('host bits set');
    expect(parseCidr('fd00:10:96::/112')).toEqual({ family: 'ipv6', text: 'fd00:10:96::/112' });
  });
});
