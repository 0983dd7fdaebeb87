import { AgentTracker, connectBus, ConnectError } from '@weft/bus';
import { ConfigError, configHelp, entry, parseConfig, parsers } from '@weft/telemetry';
import type { Io } from './commands.js';

export const statusConfig = {
  natsUrl: entry({ flag: 'nats-url', env: 'WEFT_NATS_URL', default: 'nats://127.0.0.1:4222', description: 'NATS server(s), comma-separated.', parse: parsers.nonEmpty }),
  clusterId: entry({ flag: 'cluster-id', env: 'WEFT_CLUSTER_ID', default: 'default', description: 'Cluster id (prefix of the NATS subjects).', parse: parsers.token }),
  staleAfter: entry({ flag: 'stale-after', env: 'WEFT_AGENT_STALE_AFTER', default: '30s', description: 'An agent silent for this long is STALE.', parse: parsers.duration }),
  output: entry({ flag: 'output', env: 'WEFT_OUTPUT', default: 'table', description: 'table or json.', parse: parsers.oneOf('table', 'json') }),
};

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

function age(at: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/** `weftctl status`: every agent's applied version against the latest published one of its scope. */
export async function runStatus(args: readonly string[], io: Io): Promise<number> {
  if (args.includes('--help')) {
    io.out(`weftctl status [--nats-url URL] [--cluster-id ID] [--output table|json]\n\n${configHelp(statusConfig)}\n`);
    return 0;
  }
  let config;
  try {
    config = parseConfig(statusConfig, args, io.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`weftctl status: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let bus;
  try {
    bus = await connectBus({ servers: config.natsUrl.split(',').map((s) => s.trim()), cluster: config.clusterId, name: 'weftctl', timeoutMs: 3_000 });
  } catch (err) {
    if (err instanceof ConnectError) {
      io.err(`weftctl status: ${err.message} (is nats-server running there? set --nats-url or WEFT_NATS_URL)\n`);
      return 1;
    }
    throw err;
  }
  try {
    const statuses = await bus.listStatus();
    const tracker = new AgentTracker(config.staleAfter);
    for (const s of statuses) tracker.record(s);
    const publisher = bus.createPublisher();
    const heads = new Map<string, { version: string; hash: string }>();
    for (const scope of new Set(statuses.map((s) => s.scope))) {
      const head = await publisher.head(scope);
      if (head !== undefined) heads.set(scope, head);
    }
    const now = Date.now();
    const views = tracker.views(heads, now);
    if (config.output === 'json') {
      io.out(`${JSON.stringify(views, null, 2)}\n`);
    } else if (views.length === 0) {
      io.out(`no agent has reported to cluster "${config.clusterId}" yet\n`);
    } else {
      io.out(
        table([
          ['AGENT', 'SCOPE', 'APPLIED', 'LATEST', 'STATE', 'AGE', 'LAST ERROR'],
          ...views.map((v) => [
            v.agent,
            v.scope,
            v.appliedVersion ?? '-',
            v.latestVersion ?? '-',
            v.state.toUpperCase(),
            age(v.lastReportAt, now),
            (v.lastError ?? '').replace(/\s+/g, ' ').slice(0, 80),
          ]),
        ]),
      );
    }
    return views.some((v) => v.state !== 'in-sync') ? 3 : 0;
  } finally {
    await bus.close();
  }
}
