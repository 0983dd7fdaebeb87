import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { startServerProcess } from './process.js';
import type { ServerProcess } from './process.js';
import { serverPath } from './servers.js';
import { makeTempDir, removeTempDir } from './tempdir.js';
import { waitFor } from './wait.js';

export interface StartNatsOptions {
  /** server_name; defaults to `weft-e2e-<port>`. */
  readonly name?: string;
  /** JetStream on (default) or off. */
  readonly jetstream?: boolean;
  /** JetStream domain, needed when a leaf and its hub both run JetStream. */
  readonly jetstreamDomain?: string;
  /** Accept leaf node connections on an ephemeral port (`leafUrl` of the result). */
  readonly hub?: boolean;
  /** Connect as a leaf node to these hub leaf URLs (`nats-leaf://127.0.0.1:PORT`). */
  readonly leafRemotes?: readonly string[];
  /** Client port to listen on; defaults to an ephemeral one. Used to restart a server where clients expect it. */
  readonly port?: number;
  /** JetStream store folder; defaults to one inside the server's temp folder. Kept on stop when given. */
  readonly storeDir?: string;
  /** max_payload in bytes (nats-server default 1 MiB). */
  readonly maxPayload?: number;
  /** Extra nats-server configuration text appended to the generated file (accounts, TLS, authorization). */
  readonly extraConfig?: string;
  readonly timeoutMs?: number;
}

export interface NatsServer extends AsyncDisposable {
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** `nats-leaf://127.0.0.1:PORT` when started with `hub: true`. */
  readonly leafUrl: string | undefined;
  /** `http://127.0.0.1:PORT`, the monitoring endpoint (/varz, /jsz, /leafz, /healthz). */
  readonly monitorUrl: string;
  readonly storeDir: string;
  readonly pid: number;
  /** The temp folder holding its config, data and logs; removed by stop(). */
  readonly tempDir: string;
  readonly configFile: string;
  /** Ends the nats-server process (SIGKILL: a crash, not a clean shutdown) and keeps its config and store. */
  kill(): Promise<void>;
  /** Starts the process again (killing it first if it runs) on the same ports, config and store; waits for health. */
  restart(): Promise<void>;
  /** Number of leaf node connections this server has now (hub or leaf side). */
  leafConnections(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts nats-server (JetStream in a temp store by default) on loopback and waits until /healthz is ok. */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const natsServer = serverPath('nats-server');
  const dir = makeTempDir('nats');
  const port = options.port ?? (await freePort());
  const monitorPort = await freePort();
  const leafPort = options.hub === true ? await freePort() : undefined;
  const storeDir = options.storeDir ?? join(dir, 'jetstream');
  const name = options.name ?? `weft-e2e-${port}`;
  const lines = [`server_name: ${JSON.stringify(name)}`, `listen: "127.0.0.1:${port}"`, `http: "127.0.0.1:${monitorPort}"`];
  if (options.maxPayload !== undefined) lines.push(`max_payload: ${options.maxPayload}`);
  if (options.jetstream !== false) {
    const domain = options.jetstreamDomain === undefined ? '' : ` domain: ${JSON.stringify(options.jetstreamDomain)},`;
    lines.push(`jetstream: {${domain} store_dir: ${JSON.stringify(storeDir)}, max_memory_store: 268435456, max_file_store: 1073741824 }`);
  }
  if (leafPort !== undefined || (options.leafRemotes?.length ?? 0) > 0) {
    const parts: string[] = [];
    if (leafPort !== undefined) parts.push(`listen: "127.0.0.1:${leafPort}"`);
    if (options.leafRemotes !== undefined && options.leafRemotes.length > 0) {
      parts.push(`remotes: [${options.leafRemotes.map((u) => `{ url: ${JSON.stringify(u)} }`).join(', ')}]`);
    }
    lines.push(`leafnodes: { ${parts.join(', ')} }`);
  }
  if (options.extraConfig !== undefined) lines.push(options.extraConfig);
  const configFile = join(dir, 'nats.conf');
  writeFileSync(configFile, `${lines.join('\n')}\n`);

  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  const timeoutMs = options.timeoutMs ?? 20_000;
  let proc: ServerProcess | undefined;
  const launch = async (): Promise<void> => {
    const started = startServerProcess({
      name: 'nats-server',
      bin: natsServer,
      args: ['-c', configFile],
      logFile: join(dir, 'nats-server.log'),
    });
    proc = started;
    await waitFor('nats-server /healthz', async () => (await fetch(`${monitorUrl}/healthz`)).ok, {
      timeoutMs,
      check: () => {
        started.assertRunning();
      },
    });
  };
  const stop = async (): Promise<void> => {
    await proc?.stop();
    removeTempDir(dir);
  };
  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    leafUrl: leafPort === undefined ? undefined : `nats-leaf://127.0.0.1:${leafPort}`,
    monitorUrl,
    storeDir,
    get pid() {
      return proc?.pid ?? -1;
    },
    tempDir: dir,
    configFile,
    async kill() {
      await proc?.stop(0);
    },
    async restart() {
      await proc?.stop(0);
      await launch();
    },
    async leafConnections() {
      const body = (await (await fetch(`${monitorUrl}/leafz`)).json()) as { leafnodes?: number };
      return body.leafnodes ?? 0;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
