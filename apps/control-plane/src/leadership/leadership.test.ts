import { describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp, LeaderElectionConfigError } from '@weft/k8s';
import { createLogger, createMetricsRegistry, parseConfig } from '@weft/telemetry';
import { controlPlaneConfig } from '../config.js';
import { Leadership, resolveElectionTarget } from './leadership.js';

const log = createLogger({ component: 'test', level: 'silent' });

function http(): KubeHttp {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new KubeHttp(kc);
}

/** The value of an unlabelled metric (the registry adds its default labels). */
async function metric(registry: ReturnType<typeof createMetricsRegistry>, name: string): Promise<string | undefined> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line?.split(' ').at(-1);
}

describe('leader election settings', () => {
  it('leadership - defaults: on, Lease weft-control-plane, 12 s / 8 s / 2 s (handover within 15 s)', () => {
    const config = parseConfig(controlPlaneConfig, [], {});
    expect(config).toMatchObject({
      leaderElect: true,
      leaderElectResourceName: 'weft-control-plane',
      leaderElectResourceNamespace: '',
      leaderElectIdentity: '',
      leaderElectLeaseDuration: 12_000,
      leaderElectRenewDeadline: 8_000,
      leaderElectRetryPeriod: 2_000,
    });
  });

  it('leadership - flags and the environment variables the Helm chart sets', () => {
    const config = parseConfig(controlPlaneConfig, ['--leader-elect=false', '--leader-elect-lease-duration', '4s'], {
      WEFT_LEADER_ELECTION_NAME: 'cp-lease',
      WEFT_LEADER_ELECTION_NAMESPACE: 'mesh-system',
    });
    expect(config).toMatchObject({ leaderElect: false, leaderElectLeaseDuration: 4_000, leaderElectResourceName: 'cp-lease', leaderElectResourceNamespace: 'mesh-system' });
    expect(parseConfig(controlPlaneConfig, ['--leader-elect', '--log-level', 'debug'], {}).leaderElect).toBe(true);
  });

  it('leadership - refuses a Lease name or namespace Kubernetes would refuse, naming the flag', () => {
    expect(() => parseConfig(controlPlaneConfig, ['--leader-elect-resource-name', 'Weft_CP'], {})).toThrow(/--leader-elect-resource-name: "Weft_CP" is not a valid Lease name/);
    expect(() => parseConfig(controlPlaneConfig, [], { WEFT_LEADER_ELECTION_NAMESPACE: 'a.b' })).toThrow(/WEFT_LEADER_ELECTION_NAMESPACE: "a.b" is not a namespace name/);
    expect(() => parseConfig(controlPlaneConfig, ['--leader-elect-retry-period', 'soon'], {})).toThrow(/--leader-elect-retry-period: "soon" is not a duration/);
  });

  it('leadership - the namespace and identity come from the flags, else the pod (downward API), else defaults', () => {
    const config = parseConfig(controlPlaneConfig, [], {});
    expect(resolveElectionTarget(config, { POD_NAMESPACE: 'weft', POD_NAME: 'weft-control-plane-7d9-abcde' })).toEqual({ namespace: 'weft', identity: 'weft-control-plane-7d9-abcde' });
    const fallback = resolveElectionTarget(config, {});
    expect(fallback.namespace).toBe('weft-system');
    expect(fallback.identity).toMatch(/^.+_[0-9a-f]{8}$/);
    expect(resolveElectionTarget(config, {}).identity).not.toBe(fallback.identity); // unique per process
    const explicit = parseConfig(controlPlaneConfig, ['--leader-elect-resource-namespace', 'ops', '--leader-elect-identity', 'cp-1'], {});
    expect(resolveElectionTarget(explicit, { POD_NAMESPACE: 'weft', POD_NAME: 'p' })).toEqual({ namespace: 'ops', identity: 'cp-1' });
  });

  it('leadership - off, or with the folder source, this replica is the single publisher and weft_leader is 1', async () => {
    for (const args of [['--leader-elect=false'], ['--source', 'folder', '--manifests', '/tmp']]) {
      const registry = createMetricsRegistry({ component: 'test' });
      const config = parseConfig(controlPlaneConfig, args, {});
      const leadership = new Leadership(config, {}, config.source === 'folder' ? undefined : http(), registry, log);
      expect(leadership.role).toBe('single');
      expect(leadership.isLeader()).toBe(true);
      expect(await metric(registry, 'weft_leader')).toBe('1');
    }
  });

  it('leadership - with election on, a replica starts as a follower (weft_leader 0) and refuses durations that cannot keep one leader', async () => {
    const registry = createMetricsRegistry({ component: 'test' });
    const config = parseConfig(controlPlaneConfig, [], {});
    const leadership = new Leadership(config, { POD_NAME: 'cp-0', POD_NAMESPACE: 'weft' }, http(), registry, log);
    expect(leadership.role).toBe('follower');
    expect(leadership.isLeader()).toBe(false);
    expect(leadership.view()).toMatchObject({ role: 'follower', election: { identity: 'cp-0', lease: 'weft/weft-control-plane', leading: false } });
    expect(await metric(registry, 'weft_leader')).toBe('0');
    const bad = parseConfig(controlPlaneConfig, ['--leader-elect-renew-deadline', '20s'], {});
    expect(() => new Leadership(bad, {}, http(), createMetricsRegistry({ component: 'test' }), log)).toThrow(LeaderElectionConfigError);
    expect(() => new Leadership(bad, {}, http(), createMetricsRegistry({ component: 'test' }), log)).toThrow(/lease duration \(12000 ms\) must be longer than the renew deadline \(20000 ms\)/);
  });
});
