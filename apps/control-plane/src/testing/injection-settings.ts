import { INJECTION_DEFAULTS } from '../injection/settings.js';
import type { InjectionSettings } from '../injection/settings.js';

/** A CA root as the injector passes it to agents (any PEM certificate block will do for the pure mutation). */
export const TEST_CA_ROOTS = '-----BEGIN CERTIFICATE-----\nMIIBdGVzdC1yb290\n-----END CERTIFICATE-----\n';

/** Injection settings with fixed images and addresses, for golden files and webhook tests. */
export function testInjectionSettings(overrides: Partial<InjectionSettings> = {}): InjectionSettings {
  return {
    ...INJECTION_DEFAULTS,
    version: '0.1.0-test',
    agentImage: 'weft/agent:test',
    apisixImage: 'apache/apisix:3.17.0-debian',
    clusterId: 'test',
    natsUrl: 'nats://weft-nats.weft-system.svc:4222',
    caAddress: 'weft-control-plane.weft-system.svc:15012',
    trustDomain: 'cluster.local',
    agentArgs: [],
    ...overrides,
  };
}
