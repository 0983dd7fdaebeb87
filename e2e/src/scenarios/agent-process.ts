import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApisixResources } from '@weft/model';
import { contentHash, diffResources } from '@weft/snapshot';
import type { SnapshotContent } from '@weft/snapshot';
import type { ScopePublisher } from '@weft/bus';
import { mkResources, mkRoute, mkUpstream } from '@weft/snapshot/testing';
import { startWeftProcess } from '../harness/index.js';

// Helpers of the agent-*.test.ts scenarios: the agent as a real child process, and the control plane's side.


export interface AgentOptions {
  readonly natsUrl: string;
  readonly cluster?: string;
  readonly namespace?: string;
  readonly pod: string;
  readonly store?: 'etcd' | 'yaml' | 'both';
  /** Reuse a state folder (a restart); a fresh one by default, removed on dispose. */
  readonly stateDir?: string;
  readonly extraArgs?: readonly string[];
  /** More environment (e.g. POD_IPS, as the downward API sets it). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A running `weft-agent`: its endpoints from the "listening" log line, its log lines, and its process. */
export interface AgentProcess extends AsyncDisposable {
  readonly pid: number;
  readonly etcd: string | undefined;
  readonly health: string;
  readonly stateDir: string;
  readonly apisixYaml: string;
  readonly logs: readonly Record<string, unknown>[];
  /** SIGTERM, then the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
  signal(signal: NodeJS.Signals): void;
}

/**
 * Starts the agent the way bin/weft-agent.mjs runs the sources (`node --conditions=development --import tsx
 * src/main.ts`, through the harness), on ephemeral ports, and waits for its `{"msg":"listening"}` line.
 */
export async function startAgent(options: AgentOptions): Promise<AgentProcess> {
  const ownDir = options.stateDir === undefined ? mkdtempSync(join(tmpdir(), 'weft-e2e-agent-')) : undefined;
  const stateDir = options.stateDir ?? join(ownDir ?? '', 'state');
  const apisixYaml = join(stateDir, '..', 'conf', 'apisix.yaml');
  const args = [
    '--nats-url',
    options.natsUrl,
    '--cluster-id',
    options.cluster ?? 'c1',
    '--pod-namespace',
    options.namespace ?? 'shop',
    '--pod-name',
    options.pod,
    '--store',
    options.store ?? 'etcd',
    '--etcd-port',
    '0',
    '--health-host',
    '127.0.0.1',
    '--health-port',
    '0',
    '--state-dir',
    stateDir,
    '--apisix-yaml',
    apisixYaml,
    '--status-interval',
    '2s',
    ...(options.extraArgs ?? []),
  ];
  const agent = startWeftProcess({ name: `agent ${options.pod}`, entry: 'apps/agent/src/main.ts', args, env: { WEFT_LOG_LEVEL: 'info', ...options.env } });
  let listening: Record<string, unknown>;
  try {
    listening = await agent.waitForLine('the agent listening', (l) => l['msg'] === 'listening', 30_000);
  } catch (err) {
    await agent.kill();
    throw err;
  }
  const stop = async (): Promise<number | null> => {
    await agent.stop();
    return agent.exitCode() ?? null;
  };
  return {
    pid: agent.pid,
    etcd: listening['etcd'] as string | undefined,
    health: listening['health'] as string,
    stateDir,
    apisixYaml,
    logs: agent.lines,
    stop,
    signal: (signal) => {
      agent.signal(signal);
    },
    [Symbol.asyncDispose]: async () => {
      await stop();
      if (ownDir !== undefined) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Route ids and the revision the agent's etcd API answers for `/apisix/routes/`, as APISIX reads them. */
export async function etcdRoutes(endpoint: string): Promise<{ readonly revision: number; readonly ids: string[] }> {
  const res = await fetch(`${endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('/apisix/routes/'), range_end: b64('/apisix/routes0') }) });
  if (!res.ok) throw new Error(`range answered ${res.status}`);
  const body = (await res.json()) as { header: { revision: string }; kvs?: { key: string; value: string }[] };
  const ids = (body.kvs ?? [])
    .map((kv) => Buffer.from(kv.key, 'base64').toString())
    .filter((key) => key !== '/apisix/routes/')
    .map((key) => key.slice('/apisix/routes/'.length));
  return { revision: Number(body.header.revision), ids };
}

export async function readyz(health: string): Promise<number> {
  return (await fetch(`${health}/readyz`)).status;
}

export { metric } from '../harness/metrics.js';

/** A scope's config with routes `<prefix>-0 … <prefix>-(n-1)`, all on one upstream. */
export function scopeContent(prefix: string, n: number, extra: Partial<ApisixResources> = {}): SnapshotContent {
  const routes = Array.from({ length: n }, (_, i) => mkRoute(`${prefix}-${i}`, { uri: `/${prefix}/${i}/*`, upstream_id: 'web' }));
  return { resources: mkResources({ upstreams: [mkUpstream('web')], routes, ...extra }), trustBundle: [] };
}

/** Publishes `next` the way the control plane does: the full state, plus the delta from `prev` when given. */
export async function publishContent(publisher: ScopePublisher, scope: string, next: SnapshotContent, prev?: SnapshotContent): Promise<string> {
  const full = { hash: contentHash(next.resources, next.trustBundle), document: next };
  const delta = prev === undefined ? undefined : { baseHash: contentHash(prev.resources, prev.trustBundle), document: diffResources(prev, next) };
  return (await publisher.publishScope(scope, full, delta)).version;
}
