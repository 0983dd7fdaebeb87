import { describe, expect, it } from 'vitest';
import { ProbeAnnotationError, rewriteAppProbes } from './app-probes.js';
import type { ContainerLike } from './pod-types.js';

const AGENT_PORT = 15021;

describe('injection - app probe rewriting', () => {
  it('an httpGet probe goes to the agent; its original (named port resolved, https, host, headers, timeout) goes to the agent', () => {
    const containers: ContainerLike[] = [{
      name: 'web',
      ports: [{ name: 'metrics', containerPort: 9100 }, { name: 'https', containerPort: 8443 }],
      readinessProbe: {
        httpGet: { path: '/ready', port: 'https', scheme: 'HTTPS', host: 'localhost', httpHeaders: [{ name: 'Host', value: 'web.local' }] },
        timeoutSeconds: 3,
        periodSeconds: 7,
        successThreshold: 1,
      },
    }];
    const { patch, probers } = rewriteAppProbes(containers, {}, AGENT_PORT);
    expect(patch).toEqual([{
      op: 'add',
      path: '/spec/containers/0/readinessProbe',
      value: { timeoutSeconds: 3, periodSeconds: 7, successThreshold: 1, httpGet: { path: '/app-health/web/readyz', port: AGENT_PORT, scheme: 'HTTP' } },
    }]);
    expect(probers).toEqual({
      '/app-health/web/readyz': {
        httpGet: { path: '/ready', port: 8443, scheme: 'HTTPS', host: 'localhost', httpHeaders: [{ name: 'Host', value: 'web.local' }] },
        timeoutSeconds: 3,
      },
    });
  });

  it('tcpSocket and grpc probes become httpGet probes of the agent; numeric-string ports are numbers', () => {
    const containers: ContainerLike[] = [
      { name: 'sidecar-of-app', livenessProbe: { exec: { command: ['true'] } } },
      { name: 'db', startupProbe: { tcpSocket: { port: '5432' }, failureThreshold: 30 }, livenessProbe: { grpc: { port: 9090 } } },
    ];
    const { patch, probers } = rewriteAppProbes(containers, {}, AGENT_PORT);
    expect(patch.map((p) => p.path)).toEqual(['/spec/containers/1/livenessProbe', '/spec/containers/1/startupProbe']);
    expect(patch[1]?.value).toEqual({ failureThreshold: 30, httpGet: { path: '/app-health/db/startupz', port: AGENT_PORT, scheme: 'HTTP' } });
    expect(probers).toEqual({ '/app-health/db/startupz': { tcpSocket: { port: 5432 } }, '/app-health/db/livez': { grpc: { port: 9090 } } });
  });

  it('exec probes, undeclared named ports and out-of-range ports are left to the kubelet', () => {
    const containers: ContainerLike[] = [{
      name: 'web',
      livenessProbe: { exec: { command: ['true'] } },
      readinessProbe: { httpGet: { path: '/', port: 'admin' } },
      startupProbe: { tcpSocket: { port: 70000 } },
    }];
    expect(rewriteAppProbes(containers, {}, AGENT_PORT)).toEqual({ patch: [], probers: {} });
  });

  it('the annotation weft.dev/rewrite-app-probes: "false" keeps every probe; a value other than true/false is refused', () => {
    const containers: ContainerLike[] = [{ name: 'web', readinessProbe: { httpGet: { path: '/', port: 8080 } } }];
    expect(rewriteAppProbes(containers, { 'weft.dev/rewrite-app-probes': 'false' }, AGENT_PORT)).toEqual({ patch: [], probers: {} });
    expect(rewriteAppProbes(containers, { 'weft.dev/rewrite-app-probes': 'true' }, AGENT_PORT).patch).toHaveLength(1);
    expect(() => rewriteAppProbes(containers, { 'weft.dev/rewrite-app-probes': 'off' }, AGENT_PORT)).toThrow(ProbeAnnotationError);
  });
});
