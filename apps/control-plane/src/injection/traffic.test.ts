import { describe, expect, it } from 'vitest';
import { TEST_CA_ROOTS, testInjectionSettings } from '../testing/injection-settings.js';
import { mutatePod } from './mutate-pod.js';
import { interceptionArgs, TrafficAnnotationError } from './traffic.js';

const settings = testInjectionSettings();
const flagsOf = (annotations: Record<string, string>): Record<string, string> => {
  const args = interceptionArgs(settings, annotations);
  const out: Record<string, string> = {};
  for (let i = 1; i < args.length; i += 2) out[args[i] ?? ''] = args[i + 1] ?? '';
  return out;
};

describe('injection - traffic annotations', () => {
  it('always passes the proxy identity, both ports and the sidecars’ own probe ports', () => {
    expect(interceptionArgs(testInjectionSettings({ proxyUid: 2000, proxyGid: 3000, inboundPort: 16006 }), {})).toEqual([
      'iptables', '--inbound-port', '16006', '--outbound-port', '15001', '--proxy-uid', '2000', '--proxy-gid', '3000', '--agent-ports', '15021,15022',
    ]);
  });

  it('normalises lists and passes * for the include annotations', () => {
    expect(flagsOf({ 'traffic.weft.dev/excludeOutboundPorts': ' 5432 ,6379,', 'traffic.weft.dev/includeInboundPorts': '*', 'traffic.weft.dev/includeOutboundIPRanges': '*' })).toMatchObject({
      '--exclude-outbound-ports': '5432,6379',
      '--include-inbound-ports': '*',
      '--include-outbound-cidrs': '*',
    });
    // An empty include list means "none", as for the iptables flag.
    expect(flagsOf({ 'traffic.weft.dev/includeInboundPorts': '' })).toMatchObject({ '--include-inbound-ports': '' });
  });

  it.each([
    ['traffic.weft.dev/excludeOutboundPorts', '5432,70000', '"70000" is not a port (1-65535)'],
    ['traffic.weft.dev/excludeInboundPorts', 'http', '"http" is not a port'],
    ['traffic.weft.dev/excludeInboundPorts', '*', '"*" is not a port (1-65535)'],
    ['traffic.weft.dev/excludeOutboundIPRanges', '10.0.0.0/33', '"10.0.0.0/33" is not an IPv4 or IPv6 address or CIDR'],
    ['traffic.weft.dev/excludeOutboundIPRanges', 'example.com', '"example.com" is not an IPv4 or IPv6 address or CIDR'],
    ['traffic.weft.dev/includeOutboundIPRanges', '10.0.0.0/8/8', 'is not an IPv4 or IPv6 address or CIDR (or *)'],
  ])('%s=%s is refused, naming the annotation and the bad item', (key, value, message) => {
    expect(() => interceptionArgs(settings, { [key]: value })).toThrow(TrafficAnnotationError);
    expect(() => interceptionArgs(settings, { [key]: value })).toThrow(`annotation ${key}="${value}": `);
    expect(() => interceptionArgs(settings, { [key]: value })).toThrow(message);
  });

  it('a pod with a bad traffic annotation is refused at admission, not failed at start', () => {
    const outcome = mutatePod(
      { metadata: { name: 'p', annotations: { 'traffic.weft.dev/excludeOutboundPorts': 'postgres' } }, spec: { containers: [{ name: 'app' }] } },
      { namespace: 'shop', namespaceLabels: { 'weft.dev/inject': 'enabled' }, caRootsPem: TEST_CA_ROOTS },
      settings,
    );
    expect(outcome).toEqual({ result: 'refused', message: 'shop/p: annotation traffic.weft.dev/excludeOutboundPorts="postgres": "postgres" is not a port (1-65535)' });
  });

  it('a bad config-store annotation is refused with the valid values', () => {
    const outcome = mutatePod(
      { metadata: { generateName: 'web-', annotations: { 'weft.dev/config-store': 'redis' } }, spec: { containers: [{ name: 'app' }] } },
      { namespace: 'shop', namespaceLabels: { 'weft.dev/inject': 'enabled' }, caRootsPem: TEST_CA_ROOTS },
      settings,
    );
    expect(outcome).toEqual({ result: 'refused', message: 'shop/web-*: annotation weft.dev/config-store="redis" must be "etcd" or "yaml"' });
  });
});
