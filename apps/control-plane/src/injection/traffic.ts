import { isIP } from 'node:net';
import { TRAFFIC_ANNOTATIONS } from './names.js';
import type { InjectionSettings } from './settings.js';

/** A traffic annotation with a value the init container would refuse; the message names the annotation. */
export class TrafficAnnotationError extends Error {
  override readonly name = 'TrafficAnnotationError';
}

type Annotations = Readonly<Record<string, string>>;

/**
 * The arguments of `weft-agent iptables` for this pod: the settings' ports and proxy identity, then the pod's
 * traffic annotations (checked here, so a typo is refused at admission instead of failing the pod at start). The
 * agent's and APISIX's own ports are always excluded inbound (`--agent-ports`), so probes reach them.
 */
export function interceptionArgs(settings: InjectionSettings, annotations: Annotations): string[] {
  const args = [
    'iptables',
    '--inbound-port', String(settings.inboundPort),
    '--outbound-port', String(settings.outboundPort),
    '--proxy-uid', String(settings.proxyUid),
    '--proxy-gid', String(settings.proxyGid),
    '--agent-ports', `${settings.agentHealthPort},${settings.apisixStatusPort}`,
  ];
  const flag = (name: string, value: string | undefined): void => {
    if (value !== undefined) args.push(`--${name}`, value);
  };
  flag('include-inbound-ports', portList(annotations, TRAFFIC_ANNOTATIONS.includeInboundPorts, true));
  flag('exclude-inbound-ports', portList(annotations, TRAFFIC_ANNOTATIONS.excludeInboundPorts, false));
  flag('exclude-outbound-ports', portList(annotations, TRAFFIC_ANNOTATIONS.excludeOutboundPorts, false));
  flag('include-outbound-cidrs', cidrList(annotations, TRAFFIC_ANNOTATIONS.includeOutboundIPRanges, true));
  flag('exclude-outbound-cidrs', cidrList(annotations, TRAFFIC_ANNOTATIONS.excludeOutboundIPRanges, false));
  return args;
}

function items(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function portList(annotations: Annotations, key: string, allowAll: boolean): string | undefined {
  const value = annotations[key];
  if (value === undefined) return undefined;
  if (allowAll && value.trim() === '*') return '*';
  const ports = items(value);
  for (const port of ports) {
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      throw new TrafficAnnotationError(`annotation ${key}="${value}": "${port}" is not a port (1-65535)${allowAll ? ' or *' : ''}`);
    }
  }
  return ports.map(Number).join(',');
}

function cidrList(annotations: Annotations, key: string, allowAll: boolean): string | undefined {
  const value = annotations[key];
  if (value === undefined) return undefined;
  if (allowAll && value.trim() === '*') return '*';
  const cidrs = items(value);
  for (const cidr of cidrs) {
    const [address = '', prefix, extra] = cidr.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new TrafficAnnotationError(`annotation ${key}="${value}": "${cidr}" is not an IPv4 or IPv6 address or CIDR${allowAll ? ' (or *)' : ''}`);
    }
  }
  return cidrs.join(',');
}
