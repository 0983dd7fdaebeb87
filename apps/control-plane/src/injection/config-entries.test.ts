import { ConfigError, parseConfig } from '@weft/telemetry';
import { describe, expect, it } from 'vitest';
import { controlPlaneConfig } from '../config.js';
import { checkInjectionConfig, injectionSettingsFrom, webhookDnsNames } from './start-injection.js';

const parse = (argv: string[], env: Record<string, string> = {}) => parseConfig(controlPlaneConfig, argv, env);

describe('injection - configuration', () => {
  it('the webhook is off by default and needs nothing then', () => {
    const config = parse([]);
    expect(config.webhookListen).toBe('');
    expect(() => {
      checkInjectionConfig(config);
    }).not.toThrow();
  });

  it('with --webhook-listen the agent image is required, with a message naming the flag and the variable', () => {
    const config = parse(['--webhook-listen', '0.0.0.0:15017']);
    expect(() => {
      checkInjectionConfig(config);
    }).toThrow(ConfigError);
    expect(() => {
      checkInjectionConfig(config);
    }).toThrow('injection: --inject-agent-image (or WEFT_INJECT_AGENT_IMAGE) is required with --webhook-listen');
  });

  it('reads the chart’s environment variables into the injection settings', () => {
    const config = parse([], {
      WEFT_WEBHOOK_LISTEN: '0.0.0.0:15017',
      WEFT_WEBHOOK_CONFIGURATION: 'weft-sidecar-injector',
      WEFT_INJECT_AGENT_IMAGE: 'weft/agent:0.1.0',
      WEFT_INJECT_APISIX_IMAGE: 'apache/apisix:3.17.0-debian',
      WEFT_INJECT_NATS_URL: 'nats://weft-nats.weft-system.svc:4222',
      WEFT_INJECT_CA_ADDRESS: 'weft-control-plane.weft-system.svc:15012',
      WEFT_INJECT_AGENT_RESOURCES: '{"requests":{"cpu":"20m"}}',
      POD_NAMESPACE: 'mesh',
      WEFT_CLUSTER_ID: 'east',
    });
    checkInjectionConfig(config);
    const settings = injectionSettingsFrom(config, '9.9.9');
    expect(settings).toMatchObject({
      version: '9.9.9',
      agentImage: 'weft/agent:0.1.0',
      natsUrl: 'nats://weft-nats.weft-system.svc:4222',
      caAddress: 'weft-control-plane.weft-system.svc:15012',
      clusterId: 'east',
      agentResources: { requests: { cpu: '20m' } },
      nativeSidecars: true,
      defaultConfigStore: 'etcd',
    });
    expect(webhookDnsNames(config)).toEqual(['weft-control-plane.mesh.svc', 'weft-control-plane.mesh.svc.cluster.local']);
    // Without --inject-nats-url the agents get the control plane's own NATS url.
    expect(injectionSettingsFrom(parse(['--inject-agent-image', 'a', '--nats-url', 'nats://n:4222']), 'v').natsUrl).toBe('nats://n:4222');
  });

  it.each([
    [['--webhook-listen', '15017'], '--webhook-listen: "15017" is not host:port'],
    [['--inject-agent-resources', '{"limits":{"memory":"a lot"}}'], '--inject-agent-resources: limits.memory: "a lot" is not a Kubernetes quantity'],
    [['--inject-proxy-uid', '0'], '--inject-proxy-uid: "0" is not a user/group id'],
    [['--inject-config-store', 'consul'], '--inject-config-store: "consul" is not one of etcd, yaml'],
    [['--webhook-dns-names', 'Webhook.Example'], '--webhook-dns-names: "Webhook.Example" is not a lowercase DNS name'],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(message);
  });

  it('refuses clashing ports between the settings', () => {
    const config = parse(['--webhook-listen', '127.0.0.1:0', '--inject-agent-image', 'a', '--inject-inbound-port', '15001']);
    expect(() => {
      checkInjectionConfig(config);
    }).toThrow('injection: the outbound port and the inbound port are both 15001');
  });
});
