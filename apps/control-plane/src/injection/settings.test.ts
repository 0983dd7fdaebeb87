import { describe, expect, it } from 'vitest';
import { testInjectionSettings } from '../testing/injection-settings.js';
import { checkInjectionSettings, InjectionSettingsError, parseResourceRequirements } from './settings.js';

describe('injection - settings', () => {
  it('parses resource requirements and keeps the quantities as written', () => {
    expect(parseResourceRequirements('{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"1.5Gi"}}')).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '1.5Gi' },
    });
  });

  it.each([
    ['cpu=100m', 'is not JSON like'],
    ['[1]', 'must be a JSON object'],
    ['{"request":{}}', 'unknown key "request"'],
    ['{"limits":{"memory":"lots"}}', 'limits.memory: "lots" is not a Kubernetes quantity'],
    ['{"limits":{"cpu":1}}', 'limits.cpu: "1" is not a Kubernetes quantity'],
  ])('refuses %s', (text, message) => {
    expect(() => parseResourceRequirements(text)).toThrow(message);
  });

  it('refuses clashing ports, root ids and empty images, listing every problem', () => {
    const bad = testInjectionSettings({ agentImage: ' ', inboundPort: 15021, proxyUid: 0, tokenExpirationSeconds: 60 });
    expect(() => checkInjectionSettings(bad)).toThrow(InjectionSettingsError);
    expect(() => checkInjectionSettings(bad)).toThrow(
      'invalid injection settings: the agent image is empty; the agent health port and the inbound port are both 15021; the proxy UID 0 must be a positive integer (0 is root, whose traffic must not bypass interception); token expiration 60s is below the 600s Kubernetes accepts',
    );
    expect(checkInjectionSettings(testInjectionSettings())).toEqual(testInjectionSettings());
  });

  it('refuses agents presenting their SVID to NATS without a certificate service to get it from', () => {
    expect(() => checkInjectionSettings(testInjectionSettings({ natsClientSvid: true, caAddress: '' }))).toThrow('agents cannot present their SVID to NATS without a certificate service address');
    expect(checkInjectionSettings(testInjectionSettings({ natsClientSvid: true })).natsClientSvid).toBe(true);
    expect(() => checkInjectionSettings(testInjectionSettings({ csrMeshNames: true, caAddress: '' }))).toThrow('agents cannot ask for mesh names without a certificate service address');
  });
});
